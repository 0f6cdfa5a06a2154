"""Upload jobs over real HTTP: viewers see masked numbers and no reject workbooks, an upload belongs
to its uploader (managers take it over openly), unconfirmed previews expire on a controllable clock,
jobs survive a restart while orphaned files do not, preview cells are cut for display, and a
preview reads the file once."""

from __future__ import annotations

import io
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from batch_dialer.campaigns.access_models import ImportJobRow
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.models import table_of
from batch_dialer.campaigns.settings import Settings
from batch_dialer.web import create_app, import_jobs
from batch_dialer.web.access_store import create_token, create_user
from batch_dialer.web.import_job_store import save_job, stored_jobs
from batch_dialer.web.import_jobs import INTERRUPTED
from batch_dialer.web.preview_display import mask_digits, shown_cell, truncated
from batch_dialer.web.web_settings import WebSettings
from tests.web.conftest import VIEWER, sign_in
from tests.web.web_server import serve_app

CSV = (
    "姓名,手机,备注\n"
    "张三,13800138000,老客户\n"
    "李四,13912345678,备用 021-6123 4567\n"
    "王五,12345,号码不对\n"
    "赵六,13700001111,\n"
).encode()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload(client: httpx.Client, token: str, body: bytes = CSV, name: str = "名单.csv") -> str:
    response = client.post("/api/imports", files={"file": (name, body)}, headers=_bearer(token))
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def _wait(client: httpx.Client, job_id: str, token: str, states: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"/api/imports/{job_id}", headers=_bearer(token)).json()
        if job.get("state") in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {states}: {job}")


@pytest.fixture
def second_manager(web_engine: Engine) -> str:
    create_user(web_engine, "mia", "manager", "another-manager-3")
    return create_token(web_engine, "mia-script")  # a token named for its holder's scripts


def test_viewer_sees_masked_numbers_and_cannot_download_rejects(
    serve: Callable[..., str], tokens: dict[str, str]
) -> None:
    url = serve()
    with httpx.Client(base_url=url, timeout=30) as client:
        job_id = _upload(client, tokens["manager"])
        manager_view = _wait(client, job_id, tokens["manager"], {"ready"})
        viewer_view = _wait(client, job_id, tokens["viewer"], {"ready"})
        assert manager_view["preview"]["first_rows"][0][1] == "13800138000"
        rows = viewer_view["preview"]["first_rows"]
        assert rows[0][1] == "138****8000"
        assert rows[1][2] == "备用 021-**** 4567"  # digits typed with separators are masked too
        assert "13800138000" not in str(viewer_view)
        viewer, _ = sign_in(url, VIEWER)
        page = viewer.get(f"/imports/jobs/{job_id}")
        assert page.status_code == 200
        assert "138****8000" in page.text and "13800138000" not in page.text
        assert "13912345678" not in page.text
        confirmed = client.post(f"/api/imports/{job_id}/confirm", headers=_bearer(tokens["manager"]))
        assert confirmed.status_code == 202
        done = _wait(client, job_id, tokens["manager"], {"done"})
        batch = done["result"]["batch_id"]
        assert done["result"]["rejected"] == 1
        for path in (f"/imports/jobs/{job_id}/rejects", f"/imports/batches/{batch}/rejects"):
            assert viewer.get(path).status_code == 403
        api_path = f"/api/imports/batches/{batch}/rejects"
        assert client.get(api_path, headers=_bearer(tokens["viewer"])).status_code == 403
        assert client.get(api_path, headers=_bearer(tokens["manager"])).status_code == 200
        assert "下载" not in viewer.get("/imports").text.split("已导入的批次")[1]
        viewer.close()


def test_an_upload_belongs_to_its_uploader_until_taken_over(
    serve: Callable[..., str], tokens: dict[str, str], second_manager: str
) -> None:
    url = serve()
    crm, mia = _bearer(tokens["manager"]), _bearer(second_manager)
    with httpx.Client(base_url=url, timeout=30) as client:
        job_id = _upload(client, tokens["manager"])
        assert _wait(client, job_id, tokens["manager"], {"ready"})["owner"] == "crm"
        paths = (("POST", f"/api/imports/{job_id}/confirm"), ("DELETE", f"/api/imports/{job_id}"))
        for method, path in paths:
            refused = client.request(method, path, headers=mia)
            assert refused.status_code == 403
            assert "crm" in refused.json()["detail"]
        taken = client.post(f"/api/imports/{job_id}/take-over", headers=mia)
        assert taken.status_code == 200 and taken.json()["owner"] == "mia-script"
        assert client.post(f"/api/imports/{job_id}/confirm", headers=crm).status_code == 403
        assert client.post(f"/api/imports/{job_id}/confirm", headers=mia).status_code == 202
        assert _wait(client, job_id, second_manager, {"done"})["result"]["imported"] == 3


def test_viewers_cannot_take_over(serve: Callable[..., str], tokens: dict[str, str]) -> None:
    url = serve()
    with httpx.Client(base_url=url, timeout=30) as client:
        job_id = _upload(client, tokens["manager"])
        refused = client.post(f"/api/imports/{job_id}/take-over", headers=_bearer(tokens["viewer"]))
    assert refused.status_code == 403


def _job_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table_of(ImportJobRow))) or 0)


def test_unconfirmed_previews_expire_with_their_files(
    serve: Callable[..., str], tokens: dict[str, str], clock: ManualClock, web_engine: Engine, tmp_path: Path
) -> None:
    url = serve(clock=clock, preview_ttl_hours=2)
    work = tmp_path / "uploads"
    with httpx.Client(base_url=url, timeout=30) as client:
        waiting = _upload(client, tokens["manager"])
        _wait(client, waiting, tokens["manager"], {"ready"})
        clock.advance(timedelta(hours=1))
        fresh = _upload(client, tokens["manager"], name="fresh.csv")  # touched an hour later
        _wait(client, fresh, tokens["manager"], {"ready"})
        assert len(list(work.iterdir())) == 2 and _job_rows(web_engine) == 2
        clock.advance(timedelta(hours=1, seconds=1))
        manager, _ = sign_in(url)
        listing = manager.get("/imports")  # the list expires what is too old before showing it
        assert "fresh.csv" in listing.text and "名单.csv" not in listing.text
        assert client.get(f"/api/imports/{waiting}", headers=_bearer(tokens["manager"])).status_code == 404
        assert client.get(f"/api/imports/{fresh}", headers=_bearer(tokens["manager"])).status_code == 200
        assert len(list(work.iterdir())) == 1 and _job_rows(web_engine) == 1
        manager.close()


def _app(engine: Engine, work: Path, clock: ManualClock) -> AbstractContextManager[str]:
    app = create_app(
        Settings(database_url="sqlite://"),
        engine=engine,
        clock=clock,
        web_settings=WebSettings(work_dir=work, preview_ttl_hours=24),
    )
    return serve_app(app)


def test_jobs_survive_a_restart_and_orphaned_files_do_not(
    web_engine: Engine, tokens: dict[str, str], clock: ManualClock, tmp_path: Path
) -> None:
    work = tmp_path / "uploads"
    with _app(web_engine, work, clock) as url, httpx.Client(base_url=url, timeout=30) as client:
        kept = _upload(client, tokens["manager"])
        _wait(client, kept, tokens["manager"], {"ready"})
        cut = _upload(client, tokens["manager"], name="cut.csv")
        _wait(client, cut, tokens["manager"], {"ready"})
        old = _upload(client, tokens["manager"], name="old.csv")
        _wait(client, old, tokens["manager"], {"ready"})
    # what a crash leaves: an import cut off half-way, a job idle past its time, stray files
    rows = {row.id: row for row in stored_jobs(web_engine)}
    save_job(web_engine, rows[cut].__class__(**{**rows[cut].__dict__, "state": "importing"}))
    stale = clock.now() - timedelta(hours=25)
    save_job(web_engine, rows[old].__class__(**{**rows[old].__dict__, "touched_at": stale}))
    old_directory = work / rows[old].directory
    (work / "deadbeefdeadbeef").mkdir()
    (work / "deadbeefdeadbeef" / "upload.csv").write_bytes(CSV)
    (work / "stray.tmp").write_bytes(b"x")
    with _app(web_engine, work, clock) as url, httpx.Client(base_url=url, timeout=30) as client:
        again = _wait(client, kept, tokens["manager"], {"ready"})
        assert again["preview"]["counts"]["imported"] == 3 and again["owner"] == "crm"
        interrupted = _wait(client, cut, tokens["manager"], {"failed"})
        assert interrupted["error"] == INTERRUPTED
        assert client.get(f"/api/imports/{old}", headers=_bearer(tokens["manager"])).status_code == 404
        confirmed = client.post(f"/api/imports/{kept}/confirm", headers=_bearer(tokens["manager"]))
        assert confirmed.status_code == 202
        assert _wait(client, kept, tokens["manager"], {"done"})["result"]["imported"] == 3
    assert not old_directory.exists()
    assert not (work / "deadbeefdeadbeef").exists() and not (work / "stray.tmp").exists()
    assert {row.id for row in stored_jobs(web_engine)} == {kept, cut}


def _wide_workbook(cell: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机", "备注", "地址"])
    for i in range(12):
        sheet.append([cell, f"139{i:08d}", cell, cell])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_preview_cells_are_cut_for_display(serve: Callable[..., str], tokens: dict[str, str]) -> None:
    url = serve(preview_cell_chars=50)
    rng = random.Random(7)  # varied text: a run of one character would look like a zip bomb
    huge = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(32_000))  # a cell's maximum
    with httpx.Client(base_url=url, timeout=30) as client:
        job_id = _upload(client, tokens["manager"], _wide_workbook(huge), "wide.xlsx")
        ready = _wait(client, job_id, tokens["manager"], {"ready"})
        as_json = client.get(f"/api/imports/{job_id}", headers=_bearer(tokens["manager"]))
        manager, _ = sign_in(url)
        page = manager.get(f"/imports/jobs/{job_id}")
        manager.close()
    assert ready["preview"]["first_rows"][0][0] == huge[:50] + "…（共 32000 字符）"
    assert len(as_json.content) < 20_000, len(as_json.content)  # 10 rows × 3 such cells, cut
    assert page.status_code == 200 and len(page.content) < 60_000, len(page.content)


def test_cutting_and_masking_ten_megabytes() -> None:
    cell = "x" * 10_000_000
    assert len(shown_cell(cell, 200, masked=False)) < 230
    assert truncated(truncated(cell, 200), 200) == truncated(cell, 200)  # cutting twice changes nothing
    # a number cut in the middle shows none of its digits near the cut
    cut = shown_cell("备注" + "13800138000" * 3, 10, masked=True)
    assert "0013" not in cut.split("…")[0][-4:]
    assert mask_digits("+86 138 0013 8000 / 010-12345678") == "+86 1** **** 8000 / 010-****5678"


def test_a_preview_reads_the_file_once(
    serve: Callable[..., str], tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    real = import_jobs.prepare_import

    def counting(path: Any, **kwargs: Any) -> Any:
        calls.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(import_jobs, "prepare_import", counting)
    url = serve()
    with httpx.Client(base_url=url, timeout=30) as client:
        job_id = _upload(client, tokens["manager"])
        ready = _wait(client, job_id, tokens["manager"], {"ready"})
    assert len(calls) == 1  # the check, the first rows and the dry run: one pass
    assert ready["preview"]["counts"]["rows"] == 4 and len(ready["preview"]["first_rows"]) == 4


@pytest.fixture(autouse=True)
def _no_leftovers(tmp_path: Path) -> Iterator[None]:
    yield
    shutil.rmtree(tmp_path / "uploads", ignore_errors=True)
