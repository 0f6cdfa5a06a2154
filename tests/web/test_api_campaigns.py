"""Campaigns and reports through the API: create, start, pause, resume, status while the engine runs
in-process against the simulator, then the report summary and its files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings
from tests.engine_support import seed_contacts, wait_for
from tests.simulator_fixtures import running_simulator

BODY = {
    "name": "满意度回访",
    "kind": "tts",
    "all_contacts": True,
    "toneid": 20,
    "tts": {"ttsabc": "尊敬的{name}，请为本次服务打分"},
    "window": ["00:00-24:00"],
    "retry": ["busy=1s", "unreachable=1s", "failed=1s", "unknown=1s"],
    "channels": 5,
    "ivr_max_seconds": 3,
}


def test_campaign_lifecycle_and_report(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine
) -> None:
    seed_contacts(web_engine, 30)
    auth = {"Authorization": f"Bearer {tokens['manager']}"}
    with running_simulator(channels=10, speed=300, seed=3) as sim:
        centre = connect(sim.base_url, None)
        url = serve(centre=centre)
        with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
            bad = client.post("/api/campaigns", json={**BODY, "window": ["9-21"]})
            assert bad.status_code == 422 and bad.json()["detail"].startswith("--window")
            created = client.post("/api/campaigns", json=BODY)
            assert created.status_code == 201, created.text
            cid = created.json()["id"]
            assert client.post("/api/campaigns", json=BODY).status_code == 422  # same name

            forecast = client.get(f"/api/campaigns/{cid}/forecast").json()
            assert forecast["contacts"] == 30 and forecast["expected_attempts"] >= 30
            assert datetime.fromisoformat(forecast["ends_at"]) > datetime.fromisoformat(forecast["starts_at"])

            assert client.post(f"/api/campaigns/{cid}/pause").status_code == 409  # a draft cannot pause
            started = client.post(f"/api/campaigns/{cid}/start").json()
            assert started["status"] == "running" and started["tasks"] == 30
            assert client.post(f"/api/campaigns/{cid}/pause").json()["status"] == "paused"
            assert client.post(f"/api/campaigns/{cid}/resume").json()["status"] == "running"

            engine_run = EmbeddedEngine(
                web_engine,
                centre,
                timings=Timings(poll_interval_s=0.3),
                intervals=Intervals(pace=0.1, polls=0.2, recover=1, lifecycle=0.3),
            )
            with engine_run:
                wait_for(
                    lambda: client.get(f"/api/campaigns/{BODY['name']}").json()["attempts"] > 0,
                    timeout=60,
                    what="calls to be placed",
                )
                wait_for(
                    lambda: client.get(f"/api/campaigns/{cid}").json()["status"] == "completed",
                    timeout=120,
                    what="the campaign to complete",
                )
            status = client.get(f"/api/campaigns/{cid}").json()
            assert status["by_state"]["pending"] == status["by_state"]["in_flight"] == 0
            assert status["channels"] == 5 and status["channel_history"]
            busy = [p["centre"] for p in status["channel_history"] if p["centre"] is not None]
            assert busy and max(busy) <= 5  # the centre's own count of busy channels, never over the limit
            assert max(p["ours"] for p in status["channel_history"]) > 0

            summary = client.get(f"/api/reports/{cid}").json()
            assert summary["contacts"] == 30 and summary["attempts"] == status["attempts"]
            assert summary["answered"] == status["by_outcome"].get("answered", 0)
            for fmt, magic in (("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("html", b"<!DOCTYPE")):
                file = client.get(f"/api/reports/{BODY['name']}/file", params={"format": fmt})
                assert file.status_code == 200 and file.content.startswith(magic), fmt
                assert "attachment" in file.headers["content-disposition"]
            assert client.get("/api/reports/nope").status_code == 404
            assert client.get(f"/api/reports/{cid}/file", params={"format": "pdf"}).status_code == 422
        centre.close()


def test_forecast_lands_inside_the_calling_window() -> None:
    from batch_dialer.campaigns.forecast import SIMULATOR_MIX, attempts_per_contact, forecast

    window = CallingWindow.parse(["09:00-21:00"], "mon-fri", "Asia/Shanghai")
    friday_evening = datetime(2026, 11, 27, 12, 30, tzinfo=UTC)  # Friday 20:30 in Shanghai
    result = forecast(1000, channels=10, window=window, start=friday_evening, mix=SIMULATOR_MIX)
    per_contact = attempts_per_contact(SIMULATOR_MIX, 3)
    assert abs(result.expected_attempts - 1000 * per_contact) < 1e-6
    needed = 1000 * per_contact * SIMULATOR_MIX.holding_s / (10 * 0.95)
    assert abs(result.open_seconds - needed) < 1e-6
    assert window.contains(result.ends_at) or result.ends_at == window.closes_at(result.ends_at)
    assert abs(window.open_seconds_between(result.starts_at, result.ends_at) - needed) < 1
    assert result.ends_at.weekday() < 5 and result.ends_at > datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def test_a_kind_the_centre_cannot_run_is_a_422(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from batch_dialer.callcenter import adapters
    from batch_dialer.callcenter.adapters import CentreProduct
    from tests.campaigns.test_kind_capabilities import TtsOnlyCentre

    product = CentreProduct("TtsOnly", lambda options: TtsOnlyCentre(), (TtsOnlyCentre,))
    monkeypatch.setitem(adapters.ADAPTERS, "http", product)  # the configured URL is http://…
    seed_contacts(web_engine, 3)
    url = serve()
    auth = {"Authorization": f"Bearer {tokens['manager']}"}
    body = {"name": "通知", "kind": "soap_tts", "all_contacts": True, "text": "{name}您好"}
    with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
        refused = client.post("/api/campaigns", json=body)
        assert refused.status_code == 422
        assert refused.json()["detail"] == (
            "--kind soap_tts: the TtsOnly call centre has no timed TTS calls (SOAP TextToCallService)"
        )
        assert client.get("/api/campaigns").json() == []
        tts = {"name": "回访", "kind": "tts", "all_contacts": True, "toneid": 20}
        assert client.post("/api/campaigns", json=tts).status_code == 201  # what it can do, it may
