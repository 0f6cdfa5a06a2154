"""Uploads over real HTTP: refusals (too large, workbook bomb, not a spreadsheet) store nothing;
the happy path previews, imports in the background and offers the reject workbook."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from tests.web.conftest import SAMPLES, sign_in, stored_counts

XLSX = SAMPLES / "客户名单.xlsx"


def _bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['manager']}"}


def _wait_job(client: httpx.Client, job_id: str, states: set[str], headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/imports/{job_id}", headers=headers).json()
        if job["state"] in states:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached {states}: {job}")


def _nothing_stored(engine: Engine, work_dir: Path) -> None:
    assert stored_counts(engine) == (0, 0, 0)
    assert not any(work_dir.rglob("*")), list(work_dir.rglob("*"))


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_oversize_upload_is_413_and_nothing_stored(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine, tmp_path: Path
) -> None:
    url = serve(max_upload_mb=0.05)
    body = b"phone\n" + b"13800138000\n" * 10_000  # 120 kB
    with httpx.Client(base_url=url) as client:
        response = client.post("/api/imports", files={"file": ("big.csv", body)}, headers=_bearer(tokens))
    assert response.status_code == 413
    assert "0.05 MB" in response.json()["detail"]
    _nothing_stored(web_engine, tmp_path / "uploads")


def test_oversize_without_content_length_is_cut_off_while_streaming(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine, tmp_path: Path
) -> None:
    url = serve(max_upload_mb=0.05)
    boundary = "b0undary"

    def chunks() -> Any:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        yield head.encode()
        for _ in range(100):
            yield b"13800138000\n" * 1000
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {**_bearer(tokens), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    with httpx.Client(base_url=url) as client:
        response = client.post("/api/imports", content=chunks(), headers=headers)
    assert response.status_code == 413
    _nothing_stored(web_engine, tmp_path / "uploads")


def test_workbook_bombs_are_refused(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine, tmp_path: Path
) -> None:
    url = serve(max_uncompressed_mb=4)
    too_big = _zip({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"<" + b"a" * (6 << 20)})
    tight = _zip({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * (3 << 20)})
    with httpx.Client(base_url=url) as client:
        big = client.post("/api/imports", files={"file": ("bomb.xlsx", too_big)}, headers=_bearer(tokens))
        ratio = client.post("/api/imports", files={"file": ("bomb2.xlsx", tight)}, headers=_bearer(tokens))
    assert big.status_code == 422 and "decompression bomb" in big.json()["detail"]
    assert "4 MB" in big.json()["detail"]
    assert ratio.status_code == 422 and "compression ratio" in ratio.json()["detail"]
    _nothing_stored(web_engine, tmp_path / "uploads")


def test_non_spreadsheet_gets_the_importers_message(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine, tmp_path: Path
) -> None:
    url = serve()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    with httpx.Client(base_url=url) as client:
        response = client.post("/api/imports", files={"file": ("photo.png", png)}, headers=_bearer(tokens))
        empty = client.post("/api/imports", files={"file": ("empty.csv", b"")}, headers=_bearer(tokens))
        no_file = client.post(
            "/api/imports", data={"tag": "x"}, files={"x": ("", b"")}, headers=_bearer(tokens)
        )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("photo.png: ") and "\n" not in detail
    assert empty.status_code == 422 and empty.json()["detail"].startswith("empty.csv: ")
    assert no_file.status_code in (400, 422)
    _nothing_stored(web_engine, tmp_path / "uploads")


def test_api_upload_previews_then_imports(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine
) -> None:
    url = serve()
    with httpx.Client(base_url=url, timeout=30) as client:
        posted = client.post(
            "/api/imports", files={"file": (XLSX.name, XLSX.read_bytes())}, headers=_bearer(tokens)
        )
        assert posted.status_code == 202, posted.text
        job = _wait_job(client, posted.json()["job_id"], {"ready", "failed"}, _bearer(tokens))
        assert job["state"] == "ready", job
        counts = job["preview"]["counts"]
        assert (
            counts["rows"]
            == counts["imported"] + counts["updated"] + counts["duplicates"] + counts["rejected"]
        )
        assert counts["rejected"] > 0 and counts["rejected_by_reason"]
        assert "phone" in job["preview"]["mapping"].values()
        assert len(job["preview"]["first_rows"]) == 10
        assert stored_counts(web_engine) == (0, 0, 0)  # a preview writes nothing

        confirmed = client.post(f"/api/imports/{job['job_id']}/confirm?tag=vip", headers=_bearer(tokens))
        assert confirmed.status_code == 202
        done = _wait_job(client, job["job_id"], {"done", "failed"}, _bearer(tokens))
        assert done["state"] == "done", done
        result = done["result"]
        assert result["imported"] == counts["imported"] and result["rejected"] == counts["rejected"]
        batches, contacts, rejected = stored_counts(web_engine)
        assert (batches, contacts, rejected) == (1, counts["imported"], counts["rejected"])
        listed = client.get("/api/imports", headers=_bearer(tokens)).json()
        assert listed[0]["id"] == result["batch_id"] and listed[0]["tag"] == "vip"
        with web_engine.connect() as conn:  # the batch is named by the uploaded file, not the server's copy
            assert conn.scalar(text("select file_name from import_batch")) == XLSX.name
        rejects = client.get(f"/api/imports/batches/{result['batch_id']}/rejects", headers=_bearer(tokens))
        assert rejects.status_code == 200 and rejects.content[:2] == b"PK"
        again = client.post(f"/api/imports/{job['job_id']}/confirm", headers=_bearer(tokens))
        assert again.status_code == 409


def test_page_upload_remap_and_confirm(serve: Callable[..., str], web_engine: Engine) -> None:
    client, csrf = sign_in(serve())
    with closing(client):
        csv = "姓名,手机,备注\n张三,13800138000,老客户\n李四,13900139000,\n".encode("gbk")
        page = client.post("/imports", files={"file": ("名单.csv", csv)}, data={"csrf_token": csrf})
        assert page.status_code == 303
        job_url = page.headers["location"]
        job_id = job_url.rsplit("/", 1)[-1]
        _wait_job(client, job_id, {"ready"}, {})
        preview = client.get(job_url).text
        assert "张三" in preview and "确认导入" in preview
        remapped = client.post(
            f"{job_url}/mapping",
            data={"csrf_token": csrf, "map:姓名": "name", "map:手机": "phone", "map:备注": "ignore"},
        )
        assert remapped.status_code == 303
        job = _wait_job(client, job_id, {"ready"}, {})
        assert "备注" not in job["preview"]["mapping"]
        assert client.post(f"{job_url}/confirm", data={"csrf_token": csrf}).status_code == 303
        assert _wait_job(client, job_id, {"done"}, {})["result"]["imported"] == 2
        assert stored_counts(web_engine)[1] == 2
        refused = client.post(
            "/imports", files={"file": ("x.png", b"\x89PNG\r\n\x1a\n" * 100)}, data={"csrf_token": csrf}
        )
        assert refused.status_code == 422 and "x.png" in refused.text
