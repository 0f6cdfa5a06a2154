"""One call per 800ing agent account, across every worker: an account is claimed for an attempt by
compare-and-set (``busy_token`` NULL → token) and released when the attempt is over.

A claim whose attempt has ended without a release (a killed worker) is swept: the account is free again
once its token's attempt is final, unknown or abandoned, or no longer exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select, update

from batch_dialer.campaigns.attempt_states import AttemptState
from batch_dialer.campaigns.ing800_models import Ing800Account
from batch_dialer.campaigns.models import CallAttempt, table_of

__all__ = ["busy_accounts", "claim_account", "free_accounts", "release_account", "sweep_accounts"]

ACCOUNTS = table_of(Ing800Account)
ATTEMPTS = table_of(CallAttempt)
_OPEN = (AttemptState.QUEUED.value, AttemptState.SUBMITTING.value, AttemptState.PLACED.value)


def sweep_accounts(engine: Engine, extensions: Sequence[str]) -> int:
    """Free accounts whose holding attempt is no longer open; returns how many were freed."""
    open_tokens = select(ATTEMPTS.c.token).where(ATTEMPTS.c.state.in_(_OPEN))
    with engine.begin() as conn:
        return conn.execute(
            update(ACCOUNTS)
            .where(
                ACCOUNTS.c.extension.in_(list(extensions)),
                ACCOUNTS.c.busy_token.is_not(None),
                ACCOUNTS.c.busy_token.not_in(open_tokens),
            )
            .values(busy_token=None, busy_since=None)
        ).rowcount


def free_accounts(engine: Engine, extensions: Sequence[str]) -> list[str]:
    """The stored accounts among ``extensions`` that hold no call, in the campaign's order."""
    with engine.connect() as conn:
        free = set(
            conn.execute(
                select(ACCOUNTS.c.extension).where(
                    ACCOUNTS.c.extension.in_(list(extensions)), ACCOUNTS.c.busy_token.is_(None)
                )
            ).scalars()
        )
    return [ext for ext in extensions if ext in free]


def busy_accounts(engine: Engine, extensions: Sequence[str]) -> dict[str, str]:
    """Extension → the token holding it."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(ACCOUNTS.c.extension, ACCOUNTS.c.busy_token).where(
                ACCOUNTS.c.extension.in_(list(extensions)), ACCOUNTS.c.busy_token.is_not(None)
            )
        )
        return {str(ext): str(token) for ext, token in rows}


def claim_account(engine: Engine, extensions: Sequence[str], token: str, now: datetime) -> str | None:
    """A free account for ``token`` (the one it already holds, on a resubmission), or None."""
    with engine.begin() as conn:
        held = conn.execute(
            select(ACCOUNTS.c.extension).where(ACCOUNTS.c.busy_token == token)
        ).scalar_one_or_none()
        if held is not None:
            return str(held)
    for ext in free_accounts(engine, extensions):
        with engine.begin() as conn:
            won = conn.execute(
                update(ACCOUNTS)
                .where(ACCOUNTS.c.extension == ext, ACCOUNTS.c.busy_token.is_(None))
                .values(busy_token=token, busy_since=now)
            ).rowcount
        if won == 1:
            return ext
    return None


def release_account(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(ACCOUNTS).where(ACCOUNTS.c.busy_token == token).values(busy_token=None, busy_since=None)
        )
