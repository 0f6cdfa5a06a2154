"""Agent accounts: `dialer centre account add|list|remove`, stored so the database alone reveals nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from batch_dialer.callcenter.ing800 import md5_password
from batch_dialer.callcenter.ing800_simulator import Ing800SimConfig, start_in_thread
from batch_dialer.campaigns.account_vault import AccountVault, VaultError, VaultSettings, load_key
from batch_dialer.campaigns.database import open_database

DIALER = str(Path(sys.executable).with_name("dialer"))
PASSWORD = "pa55-北京"


def run(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    full.update({"DIALER_DATABASE_URL": f"sqlite:///{tmp_path / 'dialer.db'}", **env})
    return subprocess.run([DIALER, *args], env=full, input=stdin, capture_output=True, text=True, timeout=60)


def one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr


def test_add_list_remove_and_the_database_alone_reveals_nothing(tmp_path: Path) -> None:
    added = run(
        tmp_path,
        "centre",
        "account",
        "add",
        "8001",
        "--password-stdin",
        "--label",
        "张三",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    run(tmp_path, "centre", "account", "add", "8002", "--password-stdin", stdin="other\n")
    listed = json.loads(run(tmp_path, "centre", "account", "list", "--json").stdout)
    assert [(a["extension"], a["label"]) for a in listed] == [("8001", "张三"), ("8002", None)]
    raw = (tmp_path / "dialer.db").read_bytes()
    md5 = md5_password(PASSWORD)
    for secret in (PASSWORD.encode(), md5.encode(), md5.lower().encode()):
        assert secret not in raw
    rows = sqlite3.connect(tmp_path / "dialer.db").execute("select secret from ing800_account").fetchall()
    assert all(row[0].startswith("gAAAA") for row in rows)  # Fernet tokens
    key_file = tmp_path / "dialer.db.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    engine = open_database(f"sqlite:///{tmp_path / 'dialer.db'}")
    vault = AccountVault(engine, key_file.read_bytes().strip())
    assert vault.account("8001").password_md5 == md5
    with pytest.raises(VaultError, match="another key"):
        AccountVault(engine, Fernet.generate_key()).account("8001")
    engine.dispose()
    assert run(tmp_path, "centre", "account", "remove", "8002").returncode == 0
    assert [
        a["extension"] for a in json.loads(run(tmp_path, "centre", "account", "list", "--json").stdout)
    ] == ["8001"]
    one_line_error(run(tmp_path, "centre", "account", "remove", "8002"), "8002 is not stored")


def test_secret_key_from_environment_makes_no_key_file(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    result = run(
        tmp_path, "centre", "account", "add", "8001", "--password-stdin", stdin="pw\n", DIALER_SECRET_KEY=key
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "dialer.db.key").exists()
    bad = run(
        tmp_path,
        "centre",
        "account",
        "add",
        "8002",
        "--password-stdin",
        stdin="pw\n",
        DIALER_SECRET_KEY="nope",
    )
    one_line_error(bad, "DIALER_SECRET_KEY: not a Fernet key")
    assert "nope" not in bad.stderr.replace("DIALER_SECRET_KEY", "")


def test_empty_password_and_loose_key_file_are_one_line_errors(tmp_path: Path) -> None:
    one_line_error(
        run(tmp_path, "centre", "account", "add", "8001", "--password-stdin", stdin="\n"), "password is empty"
    )
    key_file = tmp_path / "dialer.db.key"
    key_file.write_bytes(Fernet.generate_key())
    key_file.chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        load_key(f"sqlite:///{tmp_path / 'dialer.db'}", create=False, settings=VaultSettings())


def test_add_checks_the_password_at_the_800ing_centre(tmp_path: Path) -> None:
    with start_in_thread(Ing800SimConfig(accounts={"8001": PASSWORD})) as sim:
        wrong = run(
            tmp_path,
            "centre",
            "account",
            "add",
            "8001",
            "--password-stdin",
            stdin="wrong\n",
            DIALER_CALLCENTER_URL=sim.url,
        )
        one_line_error(wrong, "验证错误")
        assert md5_password("wrong") not in wrong.stderr
        right = run(
            tmp_path,
            "centre",
            "account",
            "add",
            "8001",
            "--password-stdin",
            stdin=PASSWORD + "\n",
            DIALER_CALLCENTER_URL=sim.url,
        )
        assert right.returncode == 0, right.stderr
    listed = json.loads(run(tmp_path, "centre", "account", "list", "--json").stdout)
    assert listed[0]["label"] == "坐席8001"  # the name getExtension gave
