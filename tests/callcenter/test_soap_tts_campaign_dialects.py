"""A soap_tts campaign runs to completion against centres publishing CXF-style and XFire-style WSDLs
(tests/soap_servers, written for the tests), with the centre retrying each call itself (§26 calltime)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from batch_dialer.callcenter import GuoxinSoap, connect
from batch_dialer.callcenter.soap_clients import forget_wsdl_documents
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallTask, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.embedded import EmbeddedEngine
from tests.engine_support import (
    FAST_TICKS,
    FAST_TIMINGS,
    attempts_by_phone,
    make_campaign,
    run_to_completion,
    seed_contacts,
    wait_for,
)
from tests.soap_servers import CXF, XFIRE, SoapStyle, answer_on_try, running_soap_server
from tests.soap_servers.text_to_call_server import Task

SOAP = {
    "kind": "soap_tts",
    "tts": [],
    "toneid": None,
    "text": "尊敬的{name}，您的快递已到。",
    "retry": ["busy=1s", "unreachable=1s", "failed=1s", "unknown=1s", "no_answer=1s"],
}


@pytest.fixture(autouse=True)
def fresh_wsdl_cache() -> Iterator[None]:
    forget_wsdl_documents()
    yield
    forget_wsdl_documents()


@pytest.mark.parametrize("style", [CXF, XFIRE], ids=lambda s: s.name)
def test_soap_tts_campaign_completes(sqlite_engine: Engine, style: SoapStyle) -> None:
    phones = seed_contacts(sqlite_engine, 12)  # last digits 0..9, 0, 1: every script of the centre
    cid = make_campaign(sqlite_engine, channels=6, max_attempts=2, **SOAP)
    with running_soap_server(style) as server:
        run_to_completion(
            sqlite_engine,
            connect(server.base_url, None),
            cid,
            timeout=120,
            soap_factory=lambda: GuoxinSoap(server.base_url, timeout=5.0, operation_timeout=5.0),
        )
        tasks = dict(server.centre.tasks)
    progress = campaign_progress(sqlite_engine, cid)
    assert progress["by_state"]["pending"] == progress["by_state"]["in_flight"] == 0
    assert progress["attempts"] == len(tasks)  # one makeCall per placement, no more
    assert set(progress["by_outcome"]) <= {"answered", "no_answer", "failed"}
    states = attempts_by_phone(sqlite_engine, cid)
    for phone in phones:
        if answer_on_try(phone) == 1:
            assert states[phone][1] == "done", phone  # answered at the centre's first try
    assert {t.fields["content"] for t in tasks.values()} >= {"尊敬的客户0，您的快递已到。"}
    assert all(isinstance(t.fields["linkkey"], int) for t in tasks.values())


def _dial_violations(tasks: list[Task], cap: int) -> list[str]:
    """Callees that got a new makeCall after the centre had already dialled them ``cap`` times."""
    dials: dict[str, int] = defaultdict(int)
    found = []
    for task in sorted(tasks, key=lambda t: t.id):
        callee = str(task.fields["callee"])
        if dials[callee] >= cap:
            found.append(callee)
        dials[callee] += task.calltime
    return found


def _settled(engine: Engine, campaign_id: int) -> bool:
    """Nothing in flight, and every open task is done or held back for an hour or more (the cap)."""
    task = table_of(CallTask)
    soon = datetime.now(UTC) + timedelta(hours=1)
    with engine.connect() as conn:
        rows = conn.execute(
            select(task.c.state, task.c.next_attempt_at).where(task.c.campaign_id == campaign_id)
        ).all()
    return all(
        state not in ("pending", "in_flight")
        or (state == "pending" and due is not None and due.replace(tzinfo=due.tzinfo or UTC) > soon)
        for state, due in rows
    )


@pytest.mark.parametrize("style", [CXF, XFIRE], ids=lambda s: s.name)
def test_cap_holds_counting_the_centres_own_retries(sqlite_engine: Engine, style: SoapStyle) -> None:
    """--cap 2/24h: a number the centre already dialled twice (its own retries) gets no new makeCall.
    Runs until the campaign settles (nothing in flight, the rest held back by the cap) or the cap breaks."""
    phones = seed_contacts(sqlite_engine, 10)
    cid = make_campaign(sqlite_engine, channels=5, max_attempts=3, cap="2/24h", **SOAP)
    start(sqlite_engine, cid, datetime.now(UTC))
    with running_soap_server(style) as server:

        def tasks() -> list[Task]:
            with server.centre.lock:
                return list(server.centre.tasks.values())

        soap = lambda: GuoxinSoap(server.base_url, timeout=5.0, operation_timeout=5.0)  # noqa: E731
        centre = connect(server.base_url, None)
        with EmbeddedEngine(
            sqlite_engine, centre, timings=FAST_TIMINGS, intervals=FAST_TICKS, soap_factory=soap
        ):
            wait_for(
                lambda: bool(_dial_violations(tasks(), 2)) or _settled(sqlite_engine, cid),
                120,
                "the campaign to settle or the cap to break",
            )
        final = tasks()
    assert _dial_violations(final, 2) == []
    never = [p for p in phones if answer_on_try(p) is None]
    assert never and all(sum(t.fields["callee"] == p for t in final) == 1 for p in never)
