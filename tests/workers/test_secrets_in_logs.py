"""A captcha campaign's codes never appear in logs, nor the centre's password; phones are masked."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import Engine, select

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.models import CallAttempt, table_of
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.simulator_fixtures import running_simulator

PASSWORD = "s3cr3t-PW-9931"


class _Recording(httpx.BaseTransport):
    """The transport the adapter sends through, noting each request's captcha code on the way."""

    def __init__(self, inner: httpx.BaseTransport, codes: list[str]) -> None:
        self.inner, self.codes = inner, codes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.codes.append(request.url.params.get("code", ""))
        return self.inner.handle_request(request)


def test_captcha_codes_and_password_never_logged(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything: ours, httpx, httpcore, dramatiq, the simulator
    caplog.set_level(logging.DEBUG, logger="batch_dialer")  # even if an earlier test set ours higher
    phones = seed_contacts(sqlite_engine, 40)
    cid = make_campaign(
        sqlite_engine, kind="captcha", tts=[], toneid=19, code_digits=8, channels=5, max_attempts=2
    )
    with running_simulator(channels=10, speed=200, seed=3, password=PASSWORD) as sim:
        centre = connect(sim.base_url, PASSWORD)
        sent: list[str] = []  # codes as they went out (the ledger erases them once a call is final)
        centre._client._transport = _Recording(centre._client._transport, sent)  # type: ignore[attr-defined]
        run_to_completion(sqlite_engine, centre, cid, timeout=120)
        truth = sim.center.truth()
    codes = [c for c in sent if c]
    with sqlite_engine.connect() as conn:
        assert not [c for c in conn.scalars(select(table_of(CallAttempt).c.code)) if c]
    assert truth["denied_401"] == 0  # the signature was right, so the codes really went out
    assert len(codes) >= len(phones)  # every placed captcha call carried a code
    text = caplog.text
    assert "placed" in text  # the engine did log its work
    leaked = [c for c in codes if c in text]
    assert not leaked, f"captcha codes in the logs: {leaked[:3]}"
    assert PASSWORD not in text
    assert not [p for p in phones if p in text], "an unmasked phone number reached the logs"
