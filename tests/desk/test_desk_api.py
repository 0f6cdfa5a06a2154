"""The desk's API over real HTTP: CTI sign-in, every phone-bar event and every disposition, leases,
two agents at once, callbacks to the same agent, and no CTI secret anywhere."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, MetaData, select

from batch_dialer.callcenter.cti import md5_password
from batch_dialer.campaigns.desk_models import DeskCall, DeskReservation
from batch_dialer.campaigns.models import CallAttempt, CallTask, DoNotCall, table_of
from batch_dialer.reports.desk_agents import desk_agent_report
from tests.desk.conftest import AGENTS, MANAGER, Desk

_attempt, _task, _desk = table_of(CallAttempt), table_of(CallTask), table_of(DeskCall)


def _cti_sign_in(client: httpx.Client, name: str) -> dict[str, Any]:
    response = client.post("/api/desk/cti/signin", json={"password": AGENTS[name][2]})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _offer(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/api/desk/next")
    assert response.status_code == 200, response.text
    offer = response.json()["offer"]
    assert offer is not None
    return dict(offer)


def _call(desk: Desk, client: httpx.Client, attempt_id: int, talk_s: int = 0, answered: bool = True) -> str:
    phone = client.post(f"/api/desk/offers/{attempt_id}/dial").json()["to"]
    events = [("ring", {"callId": f"call-{attempt_id}", "direction": "OUTBOUND"}), ("answer", {})]
    if answered:
        events.append(("callee_answer", {}))
    for name, extra in events:
        assert (
            client.post(f"/api/desk/calls/{attempt_id}/events", json={"event": name, **extra}).status_code
            == 200
        )
    desk.clock.advance(talk_s)
    assert client.post(f"/api/desk/calls/{attempt_id}/events", json={"event": "hangup"}).status_code == 200
    return str(phone)


def _row(engine: Engine, table: Any, key: Any, value: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(table).where(key == value)).one()


def test_cti_sign_in_hands_the_token_to_the_page_and_code_7_is_clear(
    desk_factory: Callable[..., Desk],
) -> None:
    desk = desk_factory()
    client, _ = desk.sign_in("amy")
    grant = _cti_sign_in(client, "amy")
    assert grant["ext_no"] == "1001" and grant["token"] in desk.fake.tokens
    assert grant["ws_url"].startswith("ws://") and grant["refresh_at"] < grant["expires_at"]
    assert desk.fake.auth_requests[-1] == {"username": "amy.cti", "password": md5_password(AGENTS["amy"][2])}
    wrong = client.post("/api/desk/cti/signin", json={"password": "not-it"})
    assert wrong.status_code == 401 and "code 7" in wrong.json()["detail"]
    refreshed = client.post("/api/desk/cti/token")  # still the kept credential of the successful sign-in
    assert refreshed.status_code == 200 and refreshed.json()["token"] == grant["token"]
    desk.clock.advance(timedelta(hours=11, minutes=55))  # within the refresh margin of expiresAt
    renewed = client.post("/api/desk/cti/token").json()
    assert renewed["token"] != grant["token"] and len(desk.fake.auth_requests) == 3
    assert client.post("/api/desk/cti/signout").status_code == 200
    assert client.post("/api/desk/cti/token").status_code == 401


def test_only_linked_agents_use_the_desk_and_csrf_is_required(desk_factory: Callable[..., Desk]) -> None:
    desk = desk_factory()
    manager, _ = desk.sign_in(MANAGER[0])
    assert manager.post("/api/desk/next").status_code == 403
    assert manager.get("/desk", headers={"accept": "text/html"}).status_code == 403
    amy, _ = desk.sign_in("amy")
    del amy.headers["X-CSRF-Token"]
    assert amy.post("/api/desk/next").status_code == 403


@pytest.mark.parametrize(
    ("disposition", "extra", "outcome", "task_state"),
    [
        ("csat", {"csat": 2}, "answered", "done"),
        ("busy", {}, "busy", "pending"),
        ("no_answer", {}, "no_answer", "pending"),
        ("empty", {}, "empty", "invalid"),
        ("dnc", {}, "answered", "dnc"),
        ("callback", {"callback_at": "2026-11-23T15:30"}, "answered", "pending"),
    ],
)
def test_every_event_and_disposition_is_recorded(
    desk_factory: Callable[..., Desk], disposition: str, extra: dict[str, Any], outcome: str, task_state: str
) -> None:
    desk = desk_factory(contacts=2)
    client, _ = desk.sign_in("amy")
    offer = _offer(client)
    assert offer["phone_masked"] == "138****8000" and offer["name"] == "客户1" and offer["product"] == "宽带"
    assert offer["extra"] == {"会员等级": "金卡"} and "网速慢" in offer["note"]
    attempt_id = offer["attempt_id"]
    assert client.post(f"/api/desk/calls/{attempt_id}/events", json={"event": "ring"}).status_code == 409
    phone = _call(desk, client, attempt_id, talk_s=42, answered=outcome == "answered")
    assert phone == desk.phones[0]
    saved = client.post(
        f"/api/desk/calls/{attempt_id}/disposition",
        json={"disposition": disposition, "note": "备注一", **extra},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["task_state"] == task_state
    again = client.post(f"/api/desk/calls/{attempt_id}/disposition", json={"disposition": "busy"})
    assert again.status_code == 409

    attempt = _row(desk.engine, _attempt, _attempt.c.id, attempt_id)
    call = _row(desk.engine, _desk, _desk.c.attempt_id, attempt_id)
    task = _row(desk.engine, _task, _task.c.id, attempt.task_id)
    assert attempt.state == "final" and attempt.outcome == outcome and attempt.placed_at is not None
    assert attempt.centre_ref == f"call-{attempt_id}" and call.call_id == f"call-{attempt_id}"
    assert call.direction == "OUTBOUND" and call.rang_at and call.agent_answered_at and call.hung_up_at
    assert call.disposition == disposition and call.note == "备注一" and call.lease_until is None
    assert task.state == task_state and task.attempts == 1
    if outcome == "answered":
        assert call.talk_s == 42 and call.callee_answered_at is not None and attempt.answered_at is not None
    else:
        assert call.talk_s == 0 and call.callee_answered_at is None
    if disposition == "csat":
        assert attempt.keys == {"satisfact": "2"} and call.csat == 2
    if disposition in ("busy", "no_answer"):
        assert task.next_attempt_at > desk.clock.now()  # the campaign's retry schedule
    with desk.engine.connect() as conn:
        dnc = conn.scalars(select(table_of(DoNotCall).c.phone)).all()
        reservations = conn.execute(select(table_of(DeskReservation))).all()
    assert (desk.phones[0] in dnc) == (disposition == "dnc")
    if disposition == "callback":
        assert len(reservations) == 1 and reservations[0].due_at.isoformat() == "2026-11-23T07:30:00+00:00"
    else:
        assert not reservations


def test_skip_puts_the_contact_back_without_an_attempt(desk_factory: Callable[..., Desk]) -> None:
    desk = desk_factory(contacts=2)
    client, _ = desk.sign_in("amy")
    first = _offer(client)
    assert client.post(f"/api/desk/offers/{first['attempt_id']}/skip").status_code == 200
    second = _offer(client)
    assert second["name"] == "客户2"
    attempt = _row(desk.engine, _attempt, _attempt.c.id, first["attempt_id"])
    task = _row(desk.engine, _task, _task.c.id, attempt.task_id)
    assert attempt.state == "abandoned" and task.state == "pending" and task.attempts == 0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def desk_db(request: pytest.FixtureRequest) -> str | None:
    """None: the desk's own SQLite file; else a fresh PostgreSQL database (set up before the desk)."""
    return str(request.getfixturevalue("pg_url")) if request.param == "postgresql" else None


def test_two_agents_never_get_the_same_contact(
    desk_db: str | None, desk_factory: Callable[..., Desk]
) -> None:
    desk = desk_factory(contacts=6, db_url=desk_db)
    clients = {name: desk.sign_in(name)[0] for name in AGENTS}
    seen: dict[str, list[int]] = {name: [] for name in AGENTS}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        client = clients[name]
        try:
            for _ in range(3):
                offer = _offer(client)
                seen[name].append(_row(desk.engine, _attempt, _attempt.c.id, offer["attempt_id"]).task_id)
                _call(desk, client, offer["attempt_id"])
                client.post(
                    f"/api/desk/calls/{offer['attempt_id']}/disposition",
                    json={"disposition": "csat", "csat": 1},
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in AGENTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(seen["amy"]) == len(seen["bob"]) == 3
    assert not set(seen["amy"]) & set(seen["bob"])
    assert len(set(seen["amy"]) | set(seen["bob"])) == 6
    with desk.engine.connect() as conn:
        rows = {line.extension: line for line in desk_agent_report(conn, desk.campaign_id).agents}
    assert rows["amy"].calls == rows["bob"].calls == 3 and rows["amy"].csat == 1.0


def test_a_desk_that_goes_away_releases_its_contact_after_the_lease(
    desk_factory: Callable[..., Desk],
) -> None:
    desk = desk_factory(contacts=1, lease_s=20)
    amy, bob = desk.sign_in("amy")[0], desk.sign_in("bob")[0]
    held = _offer(amy)
    assert bob.post("/api/desk/next").json()["offer"] is None
    desk.clock.advance(15)
    assert amy.post("/api/desk/heartbeat").json() == {"held": 1}  # the open tab keeps it
    desk.clock.advance(15)
    assert bob.post("/api/desk/next").json()["offer"] is None
    desk.clock.advance(21)  # amy's tab is closed: no heartbeat for longer than the lease
    taken = _offer(bob)
    assert taken["name"] == held["name"] and taken["attempt_id"] != held["attempt_id"]
    assert _row(desk.engine, _attempt, _attempt.c.id, held["attempt_id"]).state == "abandoned"
    assert amy.post(f"/api/desk/offers/{held['attempt_id']}/dial").status_code == 409


def test_a_callback_comes_back_to_the_same_agent_at_its_time(desk_factory: Callable[..., Desk]) -> None:
    desk = desk_factory(contacts=2)
    amy, bob = desk.sign_in("amy")[0], desk.sign_in("bob")[0]
    offer = _offer(amy)
    _call(desk, amy, offer["attempt_id"], talk_s=30)
    body = {"disposition": "callback", "callback_at": (desk.clock.now() + timedelta(hours=2)).isoformat()}
    assert amy.post(f"/api/desk/calls/{offer['attempt_id']}/disposition", json=body).status_code == 200
    other = _offer(bob)
    assert other["name"] == "客户2"
    bob.post(f"/api/desk/offers/{other['attempt_id']}/skip")
    desk.clock.advance(timedelta(hours=2, seconds=1))
    assert _offer(bob)["name"] == "客户2"  # the callback is not bob's
    back = _offer(amy)
    assert back["name"] == "客户1" and back["callback_due"] is not None
    assert [h["disposition"] for h in back["history"]] == ["callback"]


def test_the_manager_sees_agents_states_and_calls(desk_factory: Callable[..., Desk]) -> None:
    desk = desk_factory(contacts=2)
    amy = desk.sign_in("amy")[0]
    _cti_sign_in(amy, "amy")
    assert amy.post("/api/desk/state", json={"state": "ready"}).status_code == 200
    assert amy.post("/api/desk/state", json={"state": "dancing"}).status_code == 422
    offer = _offer(amy)
    _call(desk, amy, offer["attempt_id"], talk_s=61)
    amy.post(f"/api/desk/calls/{offer['attempt_id']}/disposition", json={"disposition": "csat", "csat": 4})
    manager = desk.sign_in(MANAGER[0])[0]
    view = manager.get(f"/api/desk/campaigns/{desk.campaign_id}/overview").json()
    states = {a["name"]: (a["desk_state"], a["online"]) for a in view["agents"]}
    assert states == {"amy": ("wrap_up", True), "bob": ("offline", False)}
    (row,) = view["by_agent"]
    assert row == {
        "extension": "amy",
        "offered": 1,
        "calls": 1,
        "answered": 1,
        "talk_seconds": 61,
        "mean_talk_seconds": 61.0,
        "responses": 1,
        "csat": 0.0,
        "dispositions": {"csat": 1},
    }
    assert view["progress"]["by_state"]["done"] == 1
    page = manager.get(f"/desk/campaigns/{desk.campaign_id}")
    assert page.status_code == 200 and "按坐席统计" in page.text
    assert (
        manager.put(f"/api/desk/campaigns/{desk.campaign_id}/agents", json={"agents": ["nobody"]}).status_code
        == 422
    )


def test_cti_passwords_and_tokens_appear_nowhere(
    desk_factory: Callable[..., Desk], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    desk = desk_factory(contacts=1)
    amy = desk.sign_in("amy")[0]
    amy.post("/api/desk/cti/signin", json={"password": "wrong-one"})
    token = _cti_sign_in(amy, "amy")["token"]
    page = amy.get("/desk")
    assert page.status_code == 200 and "Ctibar" not in page.text
    secrets = [
        AGENTS["amy"][2],
        md5_password(AGENTS["amy"][2]),
        "wrong-one",
        md5_password("wrong-one"),
        token,
    ]
    offer = _offer(amy)
    _call(desk, amy, offer["attempt_id"])
    amy.post(f"/api/desk/calls/{offer['attempt_id']}/disposition", json={"disposition": "csat", "csat": 1})
    stored = _dump(desk.engine)
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in page.text
        assert secret not in stored
    assert desk.phones[0] not in page.text


def _dump(engine: Engine) -> str:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(repr(row) for table in meta.sorted_tables for row in conn.execute(select(table)))


def test_the_manager_assigns_agents_from_the_page(desk_factory: Callable[..., Desk]) -> None:
    desk = desk_factory(contacts=2)
    manager, csrf = desk.sign_in(MANAGER[0])
    form = {"csrf_token": csrf, "agents": "amy，"}
    done = manager.post(f"/desk/campaigns/{desk.campaign_id}/agents", data=form)
    assert done.status_code == 303
    bob, amy = desk.sign_in("bob")[0], desk.sign_in("amy")[0]
    assert bob.post("/api/desk/next").json()["offer"] is None  # bob no longer works this campaign
    assert amy.post("/api/desk/next").json()["offer"] is not None
    wrong = manager.post(
        f"/desk/campaigns/{desk.campaign_id}/agents", data={"csrf_token": csrf, "agents": "lily"}
    )
    assert wrong.status_code == 422 and "not linked agents: lily" in wrong.text
    viewer_like = bob.post(f"/desk/campaigns/{desk.campaign_id}/agents", data=form)
    assert viewer_like.status_code == 403


def test_rest_and_sign_out_give_an_undialled_contact_back(desk_factory: Callable[..., Desk]) -> None:
    desk = desk_factory(contacts=1)
    amy, bob = desk.sign_in("amy")[0], desk.sign_in("bob")[0]
    held = _offer(amy)
    assert amy.post("/api/desk/state", json={"state": "rest"}).status_code == 200
    taken = _offer(bob)  # at once, not after the lease
    assert taken["name"] == held["name"]
    assert _row(desk.engine, _attempt, _attempt.c.id, held["attempt_id"]).state == "abandoned"
    _call(desk, bob, taken["attempt_id"])
    assert bob.post("/api/desk/cti/signout").status_code == 200  # a dialled call stays with bob
    assert _row(desk.engine, _attempt, _attempt.c.id, taken["attempt_id"]).state == "placed"
    done = bob.post(f"/api/desk/calls/{taken['attempt_id']}/disposition", json={"disposition": "no_answer"})
    assert done.status_code == 200


def test_a_dialled_call_whose_desk_vanished_is_finished_as_last_reported(
    desk_factory: Callable[..., Desk],
) -> None:
    desk = desk_factory(contacts=2, lease_s=20)
    amy, bob = desk.sign_in("amy")[0], desk.sign_in("bob")[0]
    offer = _offer(amy)
    amy.post(f"/api/desk/offers/{offer['attempt_id']}/dial")
    amy.post(f"/api/desk/calls/{offer['attempt_id']}/events", json={"event": "callee_answer"})
    desk.clock.advance(21)  # the tab is gone in the middle of the call
    _offer(bob)  # any desk's request sweeps
    attempt = _row(desk.engine, _attempt, _attempt.c.id, offer["attempt_id"])
    call = _row(desk.engine, _desk, _desk.c.attempt_id, offer["attempt_id"])
    assert attempt.state == "final" and attempt.outcome == "answered"
    assert call.released_reason == "lease_expired" and call.disposition is None
    late = amy.post(f"/api/desk/calls/{offer['attempt_id']}/disposition", json={"disposition": "busy"})
    assert late.status_code == 409
