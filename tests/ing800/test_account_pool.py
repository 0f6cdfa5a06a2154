"""One call per agent account across workers: claims by compare-and-set, release, sweep."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from sqlalchemy import Engine

from batch_dialer.campaigns.account_vault import AccountVault
from batch_dialer.campaigns.ing800_account_pool import (
    busy_accounts,
    claim_account,
    free_accounts,
    release_account,
    sweep_accounts,
)

EXTS = ["8001", "8002", "8003", "8004", "8005"]
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def stored(engine: Engine) -> None:
    vault = AccountVault(engine, Fernet.generate_key())
    for ext in EXTS:
        vault.add(ext, "pw")


def test_twenty_racing_claims_get_five_distinct_accounts(engine: Engine) -> None:
    stored(engine)
    won: list[str | None] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def claim(n: int) -> None:
        barrier.wait()
        got = claim_account(engine, EXTS, f"tok-{n}", NOW)
        with lock:
            won.append(got)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accounts = [w for w in won if w is not None]
    assert sorted(accounts) == EXTS  # each account once, never twice
    assert free_accounts(engine, EXTS) == []
    holder = busy_accounts(engine, EXTS)["8003"]
    assert claim_account(engine, EXTS, holder, NOW) == "8003"  # a resubmission keeps its account
    release_account(engine, holder)
    assert free_accounts(engine, EXTS) == ["8003"]


def test_sweep_frees_accounts_whose_attempt_is_gone(engine: Engine) -> None:
    stored(engine)
    assert claim_account(engine, EXTS, "no-such-attempt", NOW) == "8001"
    assert sweep_accounts(engine, EXTS) == 1
    assert free_accounts(engine, EXTS) == EXTS
    assert free_accounts(engine, ["9999", "8002"]) == ["8002"]  # unknown extensions are never free
