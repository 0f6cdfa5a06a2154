"""800ing agent accounts stored so that the database alone does not reveal them.

Each account's password MD5 (what the API takes as ``sa_password``; the plain password is never
stored) is encrypted with Fernet. The key is never in the database: it is ``DIALER_SECRET_KEY`` when
set, otherwise a key file created once with mode 0600 — beside the SQLite file (``dialer.db`` →
``dialer.db.key``) or, for PostgreSQL, ``$XDG_CONFIG_HOME/batch-dialer/secret.key``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, delete, select
from sqlalchemy.engine import make_url

from batch_dialer.callcenter.ing800.accounts import AgentAccount
from batch_dialer.campaigns.ing800_models import Ing800Account
from batch_dialer.campaigns.models import table_of

__all__ = ["AccountListing", "AccountVault", "VaultError", "VaultSettings", "key_file_for", "load_key"]

ACCOUNTS = table_of(Ing800Account)


class VaultError(Exception):
    """A key or account problem, as one line that names what to fix (never the secret)."""


class VaultSettings(BaseSettings):
    """``DIALER_SECRET_KEY`` (a Fernet key) or ``DIALER_SECRET_KEY_FILE`` (where the key file lives)."""

    model_config = SettingsConfigDict(env_prefix="DIALER_", env_file=None, extra="ignore")

    secret_key: SecretStr | None = Field(default=None, description="Fernet key for agent-account secrets")
    secret_key_file: Path | None = Field(default=None, description="file holding that key (created 0600)")


@dataclass(frozen=True)
class AccountListing:
    extension: str
    label: str | None
    added_at: datetime


def key_file_for(database_url: str) -> Path:
    """Beside a SQLite file; in the user's config directory for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db = Path(str(url.database))
        return db.with_name(db.name + ".key")
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "batch-dialer" / "secret.key"


def _create_key_file(path: Path) -> bytes:
    key = Fernet.generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()  # another process made it first
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
    return key


def load_key(database_url: str, *, create: bool, settings: VaultSettings | None = None) -> bytes:
    """The Fernet key: DIALER_SECRET_KEY, else the key file (made when ``create`` and missing)."""
    settings = settings or VaultSettings()
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode("ascii", "replace").strip()
        source = "DIALER_SECRET_KEY"
    else:
        path = settings.secret_key_file or key_file_for(database_url)
        source = f"key file {path}"
        if path.exists():
            if path.stat().st_mode & 0o077:
                raise VaultError(f"{source}: readable by others; run `chmod 600 {path}`")
            key = path.read_bytes().strip()
        elif create:
            key = _create_key_file(path)
        else:
            raise VaultError(f"{source} does not exist: add an account first or set DIALER_SECRET_KEY")
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise VaultError(f"{source}: not a Fernet key (44 url-safe base64 characters)") from None
    return key


class AccountVault:
    """Add, list, remove and open agent accounts; only :meth:`account` ever decrypts.

    ``key`` may be None for listing and removing, which never touch a secret.
    """

    def __init__(self, engine: Engine, key: bytes | None) -> None:
        self._engine = engine
        self._key = Fernet(key) if key is not None else None

    @property
    def _fernet(self) -> Fernet:
        if self._key is None:
            raise VaultError("no key given: DIALER_SECRET_KEY or the key file is needed for secrets")
        return self._key

    def add(self, extension: str, password: str, label: str | None = None) -> bool:
        """Store (or replace) an account; True when it is new."""
        account = AgentAccount.from_password(extension, password)
        secret = self._fernet.encrypt(account.password_md5.encode("ascii")).decode("ascii")
        with self._engine.begin() as conn:
            existed = conn.execute(
                select(ACCOUNTS.c.extension).where(ACCOUNTS.c.extension == account.extension)
            ).first()
            if existed:
                conn.execute(
                    ACCOUNTS.update()
                    .where(ACCOUNTS.c.extension == account.extension)
                    .values(secret=secret, label=label)
                )
            else:
                conn.execute(
                    ACCOUNTS.insert().values(extension=account.extension, secret=secret, label=label)
                )
        return existed is None

    def remove(self, extension: str) -> bool:
        with self._engine.begin() as conn:
            return (
                conn.execute(delete(ACCOUNTS).where(ACCOUNTS.c.extension == extension.strip())).rowcount > 0
            )

    def listing(self) -> list[AccountListing]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(ACCOUNTS.c.extension, ACCOUNTS.c.label, ACCOUNTS.c.added_at).order_by(
                    ACCOUNTS.c.extension
                )
            )
            return [AccountListing(ext, label, added) for ext, label, added in rows]

    def account(self, extension: str) -> AgentAccount:
        """The decrypted account; VaultError when unknown or stored under another key."""
        with self._engine.connect() as conn:
            secret = conn.execute(
                select(ACCOUNTS.c.secret).where(ACCOUNTS.c.extension == extension.strip())
            ).scalar_one_or_none()
        if secret is None:
            raise VaultError(
                f"agent account {extension} is not stored: `dialer centre account add {extension}`"
            )
        try:
            md5 = self._fernet.decrypt(secret.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise VaultError(
                f"agent account {extension} was stored under another key (DIALER_SECRET_KEY / key file)"
            ) from None
        return AgentAccount(extension.strip(), md5)

    def accounts(self, extensions: list[str]) -> list[AgentAccount]:
        return [self.account(ext) for ext in extensions]
