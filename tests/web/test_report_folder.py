"""A campaign's report folder stays inside DIALER_REPORT_BASE_DIR: refused where campaigns are created
(the API) and again where the scheduler writes (a row made some other way, a symlink swapped later)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, update

from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.report_folder import ReportFolderError, confined_report_dir
from batch_dialer.scheduler.report_job import report_exporter
from tests.engine_support import make_campaign, seed_contacts

BODY = {
    "name": "报告目录",
    "kind": "tts",
    "all_contacts": True,
    "toneid": 20,
    "tts": {"ttsabc": "尊敬的{name}，请为本次服务打分"},
    "report_cron": "0 8 * * *",
}


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "reports-base"
    folder.mkdir()
    monkeypatch.setenv("DIALER_REPORT_BASE_DIR", str(folder))
    return folder


def test_api_refuses_report_folders_outside_the_base(
    serve: Callable[..., str], tokens: dict[str, str], base: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    (base / "escape").symlink_to(outside, target_is_directory=True)
    auth = {"Authorization": f"Bearer {tokens['manager']}"}
    with httpx.Client(base_url=serve(), headers=auth, timeout=30) as client:
        for i, bad in enumerate(("/etc/cron.d", "../elsewhere", str(outside), "escape/x")):
            refused = client.post("/api/campaigns", json={**BODY, "name": f"bad{i}", "report_dir": bad})
            assert refused.status_code == 422, (bad, refused.text)
            detail = refused.json()["detail"]
            assert detail.startswith("--report-dir") and "DIALER_REPORT_BASE_DIR" in detail
        for i, good in enumerate(("nightly", str(base / "team-a"), "")):
            created = client.post("/api/campaigns", json={**BODY, "name": f"ok{i}", "report_dir": good})
            assert created.status_code == 201, (good, created.text)
    assert not outside.exists() and not Path("/etc/cron.d/x").exists()


def _set_folder(engine: Engine, campaign_id: int, folder: str) -> None:
    campaign = table_of(Campaign)
    with engine.begin() as conn:
        conn.execute(update(campaign).where(campaign.c.id == campaign_id).values(report_dir=folder))


def test_scheduler_refuses_to_write_outside_the_base(web_engine: Engine, base: Path, tmp_path: Path) -> None:
    seed_contacts(web_engine, 2)
    outside = tmp_path / "elsewhere"
    cid = make_campaign(web_engine, report_dir=str(outside))  # stored directly, as an old row may be
    export = report_exporter(web_engine)
    with pytest.raises(ReportFolderError, match="--report-dir"):
        export(cid)
    assert not outside.exists()
    # a folder inside the base that becomes a symlink out of it is refused at write time too
    (base / "team").symlink_to(outside, target_is_directory=True)
    with web_engine.begin() as conn:
        conn.execute(
            update(table_of(Campaign)).where(table_of(Campaign).c.id == cid).values(report_dir="team")
        )
    with pytest.raises(ReportFolderError):
        export(cid)
    assert not outside.exists()
    _set_folder(web_engine, cid, "ok")
    export(cid)
    assert sorted(p.suffix for p in (base / "ok").iterdir()) == [".html", ".xlsx"]


def test_unset_folder_means_the_base(base: Path) -> None:
    assert confined_report_dir(None) == base.resolve()
    assert confined_report_dir("a/../b") == (base / "b").resolve()
