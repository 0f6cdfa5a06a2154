"""Sign-in, roles, tokens, CSRF and lock-out over real HTTP: each failure is a clear message."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from datetime import timedelta

import httpx
from sqlalchemy import Engine, select

from batch_dialer.campaigns.access_models import ApiToken, User
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.models import table_of
from tests.web.conftest import MANAGER, VIEWER, sign_in

CAMPAIGN = {
    "name": "回访",
    "kind": "tts",
    "all_contacts": True,
    "toneid": 20,
    "tts": {"ttsabc": "您好{name}"},
}


def test_no_credentials_is_401_and_pages_redirect_to_sign_in(serve: Callable[..., str]) -> None:
    url = serve()
    with httpx.Client(base_url=url) as client:
        api = client.get("/api/campaigns")
        assert api.status_code == 401
        assert "authentication required" in api.json()["detail"]
        assert api.headers["www-authenticate"] == "Bearer"
        assert client.get("/api/campaigns", headers={"Authorization": "Bearer dlr_wrong"}).status_code == 401
        for page in ("/", "/campaigns", "/imports", "/reports/1", "/campaigns/new"):
            response = client.get(page)
            assert response.status_code == 303, page
            assert response.headers["location"].startswith("/login")
        login = client.get("/login")
        assert login.status_code == 200 and "登录" in login.text


def test_viewer_token_reads_but_cannot_act(serve: Callable[..., str], tokens: dict[str, str]) -> None:
    url = serve()
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    manager = {"Authorization": f"Bearer {tokens['manager']}"}
    with httpx.Client(base_url=url) as client:
        assert client.get("/api/campaigns", headers=viewer).json() == []
        denied = client.post("/api/campaigns", json=CAMPAIGN, headers=viewer)
        assert denied.status_code == 403
        assert "manager" in denied.json()["detail"]
        assert client.get("/api/campaigns", headers=viewer).json() == []  # nothing was created
        created = client.post("/api/campaigns", json=CAMPAIGN, headers=manager)  # no CSRF for bearer clients
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "draft"
        assert client.post(f"/api/campaigns/{created.json()['id']}/start", headers=viewer).status_code == 403


def test_viewer_session_sees_pages_without_manager_controls(serve: Callable[..., str]) -> None:
    client, csrf = sign_in(serve(), VIEWER)
    with closing(client):
        assert 'href="/campaigns/new"' not in client.get("/campaigns").text
        assert client.get("/campaigns/new", headers={"Accept": "text/html"}).status_code == 403
        upload = client.post(
            "/imports", files={"file": ("a.csv", b"phone\n13800138000\n")}, data={"csrf_token": csrf}
        )
        assert upload.status_code == 403


def test_session_needs_csrf_on_every_change(serve: Callable[..., str], web_engine: Engine) -> None:
    client, csrf = sign_in(serve())
    with closing(client):
        cookie = client.cookies.jar
        assert any(c.name == "dialer_session" and c.has_nonstandard_attr("HttpOnly") for c in cookie)
        missing = client.post("/api/campaigns", json=CAMPAIGN)
        assert missing.status_code == 403 and "CSRF" in missing.json()["detail"]
        wrong = client.post("/api/campaigns", json=CAMPAIGN, headers={"X-CSRF-Token": "forged"})
        assert wrong.status_code == 403
        form = client.post("/campaigns/new", data={"name": "x", "kind": "tts", "csrf_token": "forged"})
        assert form.status_code == 403
        assert client.get("/api/campaigns").json() == []
        ok = client.post("/api/campaigns", json=CAMPAIGN, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201, ok.text
        logout = client.post("/logout", data={"csrf_token": csrf})
        assert logout.status_code == 303
        assert client.get("/api/campaigns").status_code == 401  # the session is gone server-side


def test_lock_out_after_five_failures(serve: Callable[..., str], clock: ManualClock) -> None:
    url = serve(clock=clock)
    with httpx.Client(base_url=url) as client:
        for _ in range(5):
            failed = client.post("/login", data={"username": MANAGER[0], "password": "nope"})
            assert failed.status_code in (401, 429)
            assert "dialer_session" not in failed.cookies
        locked = client.post("/login", data={"username": MANAGER[0], "password": MANAGER[1]})
        assert locked.status_code == 429
        assert "锁定" in locked.text and "15 分钟" in locked.text
        clock.advance(timedelta(minutes=16))
        assert client.post("/login", data={"username": MANAGER[0], "password": MANAGER[1]}).status_code == 303
        unknown = client.post("/login", data={"username": "nobody", "password": "x"})
        assert unknown.status_code == 401 and "用户名或密码错误" in unknown.text


def test_secrets_are_stored_hashed(web_engine: Engine, tokens: dict[str, str]) -> None:
    with web_engine.connect() as conn:
        hashes = list(conn.scalars(select(table_of(User).c.password_hash)))
        token_rows = list(conn.scalars(select(table_of(ApiToken).c.token_sha256)))
    assert all(h.startswith("scrypt$") and MANAGER[1] not in h for h in hashes)
    assert len(set(hashes)) == len(hashes)
    assert tokens["manager"] not in token_rows and len(token_rows) == 2


def test_openapi_documents_the_api(serve: Callable[..., str]) -> None:
    with httpx.Client(base_url=serve()) as client:
        spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    expected_paths = [
        "/api/imports",
        "/api/imports/{job_id}",
        "/api/imports/{job_id}/confirm",
        "/api/campaigns",
        "/api/campaigns/{ref}",
        "/api/campaigns/{ref}/start",
        "/api/campaigns/{ref}/pause",
        "/api/reports/{ref}",
        "/api/reports/{ref}/file",
    ]
    for expected in expected_paths:
        assert expected in paths, expected
    assert not [p for p in paths if not p.startswith("/api/")]  # pages stay out of the API docs
    assert "multipart/form-data" in spec["paths"]["/api/imports"]["post"]["requestBody"]["content"]
