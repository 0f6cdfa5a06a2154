"""Result collection loses nothing: 200 calls on 5 accounts, 20 % of pushes dropped and our endpoint
down for a while in the middle; pushes + event stream + push_list/push_send reconciliation still give
every call its true outcome, keys and talk time. A push sent twice is counted once.

The dialing loop here is a stand-in (one thread per account, next call after the stream shows the
hang-up) until the engine's ``callback`` kind drives it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine, select

from batch_dialer.callcenter.ing800 import AgentAccount, Ing800Client
from batch_dialer.callcenter.ing800_simulator import Ing800SimConfig, start_in_thread
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.ing800_collection import collected_calls, follow_stream, reconcile
from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.models import table_of
from batch_dialer.web.hook_settings import HookSettings
from batch_dialer.web.hooks_800ing import HookState
from batch_dialer.web.hooks_app import create_hooks_app

from .receiver import wait_for
from .serving import serve_app

SECRET = "hook-secret-xyz"
PASSWORD = "agentpw"
ACCOUNTS = [f"800{i}" for i in range(1, 6)]
TZ = ZoneInfo("Asia/Shanghai")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dial_all(client: Ing800Client, engine: Engine, phones_by_account: dict[str, list[str]]) -> list[str]:
    tokens: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def agent(ext: str, phones: list[str]) -> None:
        account = AgentAccount.from_password(ext, PASSWORD)
        waterline = client.long_waterline(account).waterline
        try:
            for n, phone in enumerate(phones):
                token = f"c1-{ext}-{n}"
                client.callback_phone(account, phone, token)
                with lock:
                    tokens.append(token)
                deadline = time.monotonic() + 30
                while True:  # the next call only after the stream shows this one hung up
                    report = follow_stream(client, account, engine, waterline)
                    waterline = report.waterline
                    if token in report.hung_up:
                        break
                    if time.monotonic() > deadline:
                        raise AssertionError(f"no hang-up for {token}")
                    time.sleep(0.03)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=agent, args=item) for item in phones_by_account.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return tokens


def test_every_call_reaches_its_true_outcome_despite_drops_and_downtime(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = open_database(f"sqlite:///{tmp_path / 'dialer.db'}")
    state = HookState.from_settings(engine, HookSettings(hook_secret=SECRET))
    port = free_port()
    hooks = f"http://127.0.0.1:{port}/hooks/800ing/{SECRET}"
    config = Ing800SimConfig(
        accounts={ext: PASSWORD for ext in ACCOUNTS},
        trunks=5,
        speed=600.0,
        seed=11,
        push_url=f"{hooks}/cdr",
        key_url=f"{hooks}/key",
        push_drop_rate=0.2,
    )
    phones = [f"1391234{n:04d}" for n in range(200)]
    by_account = {ext: phones[i::5] for i, ext in enumerate(ACCOUNTS)}
    started = datetime.now(UTC) - timedelta(minutes=1)
    with start_in_thread(config) as sim, Ing800Client(sim.url) as client:
        app = create_hooks_app(state)
        outage = threading.Event()

        def endpoint() -> None:  # up, then down for a while in the middle, then up again
            with serve_app(app, port):
                outage.wait()
            time.sleep(3.0)
            with serve_app(app, port):
                stop.wait()

        stop = threading.Event()
        server = threading.Thread(target=endpoint, daemon=True)
        server.start()
        wait_for(lambda: _up(port), what="hooks endpoint up")
        timer = threading.Timer(2.0, outage.set)
        timer.start()
        try:
            tokens = dial_all(client, engine, by_account)
            wait_for(sim.center.settled, timeout=30, what="simulator settled")
            truth = httpx.get(f"{sim.base_url}/_sim/truth").json()
            assert truth["pushes"]["dropped"] > 0 and truth["pushes"]["failed"] > truth["pushes"]["dropped"]
            assert truth["peak_per_account"] and max(truth["peak_per_account"].values()) == 1
            wait_for(lambda: _up(port), what="hooks endpoint back")

            session = client.get_extension(AgentAccount.from_password(ACCOUNTS[0], PASSWORD)).session_id
            assert session
            report = reconcile(
                client, engine, session, started, datetime.now(UTC) + timedelta(minutes=1), tz=TZ
            )
            assert report.recorded > 0 and report.resent == report.rows

            collected = collected_calls(engine, tokens)
            expected = {c["paramvalue"]: c for c in truth["calls"]}
            assert set(collected) == set(expected) == set(tokens) and len(tokens) == 200
            for token, call in expected.items():
                got = collected[token]
                assert (got.kind.value, got.keys, got.talk_seconds) == (
                    call["kind"],
                    call["keys"],
                    call["talk_s"],
                ), token
                assert got.extension == call["extension"]
                assert (got.record_file is not None) == (call["talk_s"] > 0)

            # a push sent twice is counted once: push_send of a delivered push again
            pushes = table_of(Ing800Push)
            with engine.connect() as conn:
                finals = conn.execute(select(pushes.c.id).where(pushes.c.push_type == 3)).all()
            assert len(finals) == 200
            again = reconcile(
                client, engine, session, started, datetime.now(UTC) + timedelta(minutes=1), tz=TZ
            )
            assert again.rows == 0  # nothing left undelivered at the centre
            window = (started.astimezone(TZ), (datetime.now(UTC) + timedelta(minutes=1)).astimezone(TZ))
            delivered = next(r for r in client.push_rows(session, *window, status=0) if r.push.is_final)
            client.push_send(session, delivered.push_id)  # the centre sends a delivered push once more
            final_row = (pushes.c.paramvalue == delivered.push.paramvalue) & (pushes.c.push_type == 3)
            with engine.connect() as conn:
                seen = conn.execute(select(pushes.c.times_seen).where(final_row)).scalar_one()
                assert conn.execute(select(pushes.c.id).where(pushes.c.push_type == 3)).all() == finals
            assert seen >= 2
            assert collected_calls(engine, tokens) == collected
        finally:
            timer.cancel()
            outage.set()
            stop.set()
            server.join(timeout=20)
    engine.dispose()


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_key_callback_before_the_token_was_known_is_joined_by_cdr_id(engine: Engine) -> None:
    from batch_dialer.callcenter.ing800 import parse_cdr_push
    from batch_dialer.campaigns.ing800_push_store import record_key, record_push

    record_key(engine, "13688888888", "2", "2323", None)  # nothing links cdrId 2323 to a token yet
    memo = {"cdrId": 2323, "cdrTalktime": 30, "cdrIVRKey": "", "paramvalue": "tok-9", "cdrExtension": "8001"}
    record_push(
        engine, parse_cdr_push({"type": "3", "phone": "13688888888", "memo": json.dumps(memo)}), "push"
    )
    (call,) = collected_calls(engine, ["tok-9"]).values()
    assert (call.keys, call.talk_seconds, call.extension) == ("2", 30, "8001")
