"""系统管理 over real HTTP: add a user, API tokens (the new token works on the API, then is revoked),
the do-not-call list (add, import a file, search, remove) and the centre check against the simulator."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.importers.do_not_call import list_dnc
from tests.simulator_fixtures import running_simulator
from tests.web.conftest import VIEWER, sign_in


def test_add_a_user_from_the_users_page(serve: Callable[..., str]) -> None:
    url = serve()
    client, csrf = sign_in(url)
    short = client.post(
        "/users/new", data={"csrf_token": csrf, "name": "amy", "role": "viewer", "password": "x"}
    )
    assert short.status_code == 422 and 'id="users-error"' in short.text
    added = client.post(
        "/users/new", data={"csrf_token": csrf, "name": "amy", "role": "viewer", "password": "long-enough-9"}
    )
    assert added.status_code == 303
    amy, _ = sign_in(url, ("amy", "long-enough-9"))
    assert amy.get("/admin").status_code == 403  # a viewer has no 系统管理


def test_tokens_are_created_shown_once_and_revoked(serve: Callable[..., str]) -> None:
    url = serve()
    client, csrf = sign_in(url)
    made = client.post("/admin/tokens", data={"csrf_token": csrf, "name": "crm2", "role": "viewer"})
    token = re.search(r'id="new-token">([^<]+)<', made.text)
    assert made.status_code == 200 and token
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token[1]}"})
    assert api.get("/api/campaigns").status_code == 200
    assert token[1] not in client.get("/admin/tokens").text  # never shown again
    twice = client.post("/admin/tokens", data={"csrf_token": csrf, "name": "crm2", "role": "viewer"})
    assert twice.status_code == 422
    assert client.post("/admin/tokens/crm2/revoke", data={"csrf_token": csrf}).status_code == 303
    assert api.get("/api/campaigns").status_code == 401
    assert "已吊销" in client.get("/admin/tokens").text


def test_do_not_call_list_add_import_search_remove(
    serve: Callable[..., str], web_engine: Engine, tmp_path: Path
) -> None:
    client, csrf = sign_in(serve())
    added = client.post(
        "/admin/dnc/add",
        data={"csrf_token": csrf, "phones": "13800138000\n138 0013 8001\nabc", "reason": "投诉"},
    )
    assert "新增 2" in added.text and "无效 1" in added.text
    listing = tmp_path / "免打扰.csv"
    listing.write_text("姓名,手机号码\n张三,13900139000\n李四,13900139001\n", encoding="utf-8")
    with listing.open("rb") as handle:
        imported = client.post(
            "/admin/dnc/import",
            data={"csrf_token": csrf},
            files={"file": (listing.name, handle, "text/csv")},
        )
    assert imported.status_code == 200 and "新增 2" in imported.text, imported.text
    assert {e.phone for e in list_dnc(web_engine)} == {
        "13800138000",
        "13800138001",
        "13900139000",
        "13900139001",
    }
    found = client.get("/admin/dnc", params={"q": "1390013"}).text
    assert 'id="dnc-total">2<' in found and "导入 免打扰.csv" in found
    removed = client.post("/admin/dnc/remove", data={"csrf_token": csrf, "phones": "13800138000"})
    assert "移除 1" in removed.text
    assert len(list_dnc(web_engine)) == 3
    garbage = tmp_path / "x.csv"
    garbage.write_text("名字,备注\n张三,你好\n", encoding="utf-8")
    with garbage.open("rb") as handle:
        refused = client.post(
            "/admin/dnc/import", data={"csrf_token": csrf}, files={"file": (garbage.name, handle, "text/csv")}
        )
    assert refused.status_code == 422 and 'id="dnc-error"' in refused.text and "Traceback" not in refused.text


def test_centre_check_reaches_the_simulator(serve: Callable[..., str]) -> None:
    with running_simulator(channels=10, speed=300, seed=1) as sim:
        centre = connect(sim.base_url, None)
        client, csrf = sign_in(serve(centre=centre))
        checked = client.post("/admin/centre", data={"csrf_token": csrf})
        assert 'id="centre-ok"' in checked.text and "坐席" in checked.text
        centre.close()
    client, csrf = sign_in(serve())
    assert 'id="centre-error"' in client.post("/admin/centre", data={"csrf_token": csrf}).text


def test_viewers_cannot_administer(serve: Callable[..., str]) -> None:
    viewer, csrf = sign_in(serve(), VIEWER)
    for path in ("/admin", "/admin/tokens", "/admin/dnc", "/admin/centre"):
        assert viewer.get(path).status_code == 403, path
    assert (
        viewer.post("/admin/dnc/add", data={"csrf_token": csrf, "phones": "13800138000"}).status_code == 403
    )
