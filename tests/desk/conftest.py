"""Fixtures for the desk: a preview campaign with contacts, two linked agents, the fake CTI and the
console, each served by a real uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert, update

from batch_dialer.callcenter.cti import CtiSettings
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.desk_agents import assign_agents, link_agent
from batch_dialer.campaigns.models import CallTask, Campaign, Contact, Opportunity, table_of
from batch_dialer.campaigns.settings import Settings
from batch_dialer.web import create_app
from batch_dialer.web.access_store import create_user
from batch_dialer.web.desk_runtime import DeskRuntime, DeskSettings
from batch_dialer.web.web_settings import WebSettings
from tests.desk.fake_cti import FakeCti, build_fake_cti
from tests.web.web_server import serve_app

MANAGER = ("lily", "correct-horse-1")
AGENTS = {
    "amy": ("amy-pass-123", "amy.cti", "CtiPw-amy-9", "1001"),
    "bob": ("bob-pass-456", "bob.cti", "CtiPw-bob-7", "1002"),
}
START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 11:00 in Shanghai


@dataclass
class Desk:
    engine: Engine
    clock: ManualClock
    fake: FakeCti
    cti_url: str
    url: str
    campaign_id: int
    phones: list[str]

    def sign_in(self, name: str) -> tuple[httpx.Client, str]:
        """A console session of the web user ``name`` and its CSRF token."""
        client = httpx.Client(base_url=self.url, timeout=30)
        password = AGENTS[name][0] if name in AGENTS else MANAGER[1]
        response = client.post("/login", data={"username": name, "password": password, "next": "/campaigns"})
        assert response.status_code == 303, response.text
        page = client.get("/campaigns")
        marker = 'name="csrf-token" content="'
        start = page.text.index(marker) + len(marker)
        csrf = page.text[start : page.text.index('"', start)]
        client.headers["X-CSRF-Token"] = csrf
        return client, csrf


def make_preview_campaign(engine: Engine, phones: list[str], name: str = "售后回访") -> int:
    """A running preview campaign (open all day) with one task per phone, written as the seam's
    creation service would."""
    contact, task, camp, opp = (table_of(m) for m in (Contact, CallTask, Campaign, Opportunity))
    with engine.begin() as conn:
        campaign_id = conn.execute(
            insert(camp)
            .values(
                name=name,
                kind="preview",
                status="running",
                windows=["00:00-24:00"],
                tz="Asia/Shanghai",
                max_attempts=3,
                retry={"busy": [600], "no_answer": [1800]},
                channels=1,
                token_salt="abc123",
                captcha={"script": "您好{name}，我是{product}客服，回访一下您上次反馈的问题"},
            )
            .returning(camp.c.id)
        ).scalar_one()
        for i, phone in enumerate(phones):
            cid = conn.execute(
                insert(contact)
                .values(phone=phone, name=f"客户{i + 1}", company=f"公司{i + 1}", extra={"会员等级": "金卡"})
                .returning(contact.c.id)
            ).scalar_one()
            conn.execute(
                insert(opp).values(contact_id=cid, product="宽带", comment=f"上次投诉网速慢 {i + 1}")
            )
            conn.execute(
                insert(task).values(campaign_id=campaign_id, contact_id=cid, phone=phone, state="pending")
            )
    return int(campaign_id)


def set_campaign(engine: Engine, campaign_id: int, **values: Any) -> None:
    camp = table_of(Campaign)
    with engine.begin() as conn:
        conn.execute(update(camp).where(camp.c.id == campaign_id).values(**values))


@pytest.fixture
def desk_factory(tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    stack: list[Any] = []
    engines: list[Engine] = []

    def build(
        contacts: int = 4, lease_s: float = 30.0, clock: ManualClock | None = None, db_url: str | None = None
    ) -> Desk:
        clock = clock or ManualClock(START)
        engine = open_database(db_url or f"sqlite:///{tmp_path / 'desk.db'}", auto_upgrade=True)
        engines.append(engine)
        create_user(engine, MANAGER[0], "manager", MANAGER[1])
        fake = FakeCti(now=lambda: clock.now().timestamp())
        for name, (password, cti_user, cti_password, ext) in AGENTS.items():
            create_user(engine, name, "agent", password)
            link_agent(engine, name, cti_user, None)
            fake.add_user(cti_user, cti_password, ext)
        phones = [f"1380013{8000 + i:04d}" for i in range(contacts)]
        campaign_id = make_preview_campaign(engine, phones)
        assign_agents(engine, campaign_id, list(AGENTS), clock.now())

        cti_server = serve_app(build_fake_cti(fake))
        cti_url = cti_server.__enter__()
        stack.append(cti_server)
        app = create_app(
            Settings(database_url="sqlite://"),
            engine=engine,
            clock=clock,
            web_settings=WebSettings(work_dir=tmp_path / "uploads", monitor_interval_s=0.5),
        )
        app.state.desk = DeskRuntime.build(
            CtiSettings(
                url=cti_url,
                ws=cti_url.replace("http://", "ws://") + "/ws",
                sdk_url=cti_url + "/dist/ctibar.js",
            ),
            DeskSettings(lease_s=lease_s),
        )
        server = serve_app(app)
        url = server.__enter__()
        stack.append(server)
        return Desk(engine, clock, fake, cti_url, url, campaign_id, phones)

    yield build
    for server in reversed(stack):
        server.__exit__(None, None, None)
    for engine in engines:
        engine.dispose()
