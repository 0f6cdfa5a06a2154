"""User management from the CLI (`dialer user …`, real subprocesses) and from the managers' page:
disable / enable, reset a password, change a role, end sessions, remove; and a revoked token's name
can be given to a new token."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from batch_dialer.campaigns.settings import get_settings
from batch_dialer.console.cli import app
from tests.web.conftest import MANAGER, VIEWER, sign_in

DIALER = str(Path(sys.executable).with_name("dialer"))


@pytest.fixture
def dialer(web_engine: Engine, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The real `dialer` executable: what an operator sees, exit code and stderr included."""
    env = {"DIALER_DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}", "PATH": "/usr/bin:/bin"}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [DIALER, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
        )

    return run


@pytest.fixture
def cli(
    web_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Result]]:
    """The same commands in this process (fast); for the successful ones."""
    monkeypatch.setenv("DIALER_DATABASE_URL", f"sqlite:///{tmp_path / 'web.db'}")
    get_settings.cache_clear()  # the settings are cached per process

    def run(*args: str, stdin: str | None = None) -> Result:
        result = CliRunner().invoke(app, list(args), input=stdin)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    yield run
    get_settings.cache_clear()


def _signed_in(client: httpx.Client) -> bool:
    return client.get("/campaigns").status_code == 200


def _sign_in_status(url: str, name: str, password: str) -> int:
    with httpx.Client(base_url=url) as client:
        return client.post("/login", data={"username": name, "password": password}).status_code


def _one_line_error(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode != 0
    assert words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_user_commands(
    serve: Callable[..., str],
    cli: Callable[..., Result],
    dialer: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    url = serve()
    victor, _ = sign_in(url, VIEWER)
    lily, _ = sign_in(url, MANAGER)

    cli("user", "disable", VIEWER[0])
    assert not _signed_in(victor)  # the session ended with the disabling
    assert _sign_in_status(url, *VIEWER) == 401  # answered like a wrong password
    assert "disabled" in cli("user", "list").output
    cli("user", "enable", VIEWER[0])
    victor, _ = sign_in(url, VIEWER)

    cli("user", "password", VIEWER[0], "--password-stdin", stdin="a-new-password-7\n")
    assert not _signed_in(victor)
    assert _sign_in_status(url, *VIEWER) == 401
    assert _sign_in_status(url, VIEWER[0], "a-new-password-7") == 303

    cli("user", "role", VIEWER[0], "manager")
    victor, _ = sign_in(url, (VIEWER[0], "a-new-password-7"))
    assert victor.get("/users").status_code == 200  # a manager's page now

    assert _signed_in(lily)
    cli("user", "logout", MANAGER[0])
    assert not _signed_in(lily)

    cli("user", "remove", VIEWER[0], "--yes")
    assert not _signed_in(victor)
    assert VIEWER[0] not in cli("user", "list").output

    _one_line_error(dialer("user", "disable", "nobody"), "no user named 'nobody'")
    _one_line_error(dialer("user", "role", MANAGER[0], "viewer"), "last active manager")
    _one_line_error(dialer("user", "role", MANAGER[0], "admin"), "unknown role")
    short = dialer("user", "password", MANAGER[0], "--password-stdin", stdin="short\n")
    _one_line_error(short, "8 characters")
    victor.close()
    lily.close()


def test_users_page_for_managers(serve: Callable[..., str]) -> None:
    url = serve()
    victor, _ = sign_in(url, VIEWER)
    manager, csrf = sign_in(url, MANAGER)
    assert victor.get("/users").status_code == 403
    page = manager.get("/users")
    assert page.status_code == 200 and 'data-user="victor"' in page.text

    def act(action: str, **form: str) -> httpx.Response:
        return manager.post(f"/users/{VIEWER[0]}/{action}", data={"csrf_token": csrf, **form})

    assert manager.post(f"/users/{VIEWER[0]}/disable", data={}).status_code == 403  # no CSRF token
    assert act("disable").status_code == 303
    assert not _signed_in(victor)
    assert _sign_in_status(url, *VIEWER) == 401
    assert "已停用" in manager.get("/users").text
    assert act("enable").status_code == 303
    victor, _ = sign_in(url, VIEWER)

    short = act("password", password="short")
    assert short.status_code == 422 and "8 characters" in short.text
    assert act("password", password="page-reset-pw-1").status_code == 303
    assert not _signed_in(victor)
    victor, _ = sign_in(url, (VIEWER[0], "page-reset-pw-1"))
    assert act("sessions").status_code == 303
    assert not _signed_in(victor)
    assert act("role", role="manager").status_code == 303
    assert "管理员" in manager.get("/users").text.split('data-user="victor"')[1].split("</tr>")[0]
    assert act("remove").status_code == 303
    assert 'data-user="victor"' not in manager.get("/users").text
    assert _sign_in_status(url, VIEWER[0], "page-reset-pw-1") == 401
    victor.close()
    manager.close()


def test_a_revoked_tokens_name_can_be_reused(
    serve: Callable[..., str],
    tokens: dict[str, str],
    cli: Callable[..., Result],
    dialer: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    url = serve()
    old = {"Authorization": f"Bearer {tokens['manager']}"}  # named "crm"
    _one_line_error(dialer("token", "create", "crm"), "an active token named 'crm' already exists")
    cli("token", "revoke", "crm")
    created = cli("token", "create", "crm")
    new = {"Authorization": f"Bearer {created.stdout.strip().splitlines()[0]}"}
    with httpx.Client(base_url=url) as client:
        assert client.get("/api/imports", headers=old).status_code == 401
        assert client.get("/api/imports", headers=new).status_code == 200
    listing = cli("token", "list").output
    assert listing.count("crm") == 2  # the revoked one stays on record
