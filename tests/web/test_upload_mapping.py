"""An upload whose phone column is not recognised opens the mapping screen (not a dead end): the
manager picks the column by position (``col:N``) and the preview then counts the rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import openpyxl

from tests.web.conftest import sign_in

CSV = "客户,号段X,备注\n张三,13800138000,老客户\n李四,13912345678,\n".encode()


def _job(client: httpx.Client, job_id: str, token: str) -> dict[str, Any]:
    return dict(client.get(f"/api/imports/{job_id}", headers={"Authorization": f"Bearer {token}"}).json())


def _wait(client: httpx.Client, job_id: str, token: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = _job(client, job_id, token)
        if job["state"] == state:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job never reached {state}: {job}")


def _pick_phone(serve: Callable[..., str], tokens: dict[str, str], name: str, body: bytes) -> None:
    url = serve()
    client, csrf = sign_in(url)
    try:
        upload = client.post("/imports", data={"csrf_token": csrf}, files={"file": (name, body)})
        assert upload.status_code == 303, upload.text
        job_id = upload.headers["location"].rsplit("/", 1)[1]
        page = client.get(f"/imports/jobs/{job_id}")
        assert "没有识别出电话号码列" in page.text
        assert 'name="col:1"' in page.text and "号段X" in page.text
        waiting = _job(client, job_id, tokens["manager"])
        assert waiting["state"] == "mapping" and waiting["preview"]["counts"] is None
        assert waiting["preview"]["first_rows"][0][:2] == ["张三", "13800138000"]
        assert client.post(f"/imports/jobs/{job_id}/confirm", data={"csrf_token": csrf}).status_code == 409

        remapped = client.post(
            f"/imports/jobs/{job_id}/mapping",
            data={"csrf_token": csrf, "col:0": "name", "col:1": "phone", "col:2": "comment"},
        )
        assert remapped.status_code == 303, remapped.text
        ready = _wait(client, job_id, tokens["manager"], "ready")
        assert ready["preview"]["counts"]["imported"] == 2
        assert ready["preview"]["mapping"] == {"客户": "name", "号段X": "phone", "备注": "comment"}
        assert client.post(f"/imports/jobs/{job_id}/confirm", data={"csrf_token": csrf}).status_code == 303
        assert _wait(client, job_id, tokens["manager"], "done")["result"]["imported"] == 2
    finally:
        client.close()


def test_a_csv_without_a_recognised_phone_column_opens_the_mapping_screen(
    serve: Callable[..., str], tokens: dict[str, str]
) -> None:
    _pick_phone(serve, tokens, "名单.csv", CSV)


def test_a_workbook_without_a_recognised_phone_column_opens_the_mapping_screen(
    serve: Callable[..., str], tokens: dict[str, str], tmp_path: Any
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in CSV.decode().splitlines():
        sheet.append(line.split(","))
    path = tmp_path / "名单.xlsx"
    book.save(path)
    _pick_phone(serve, tokens, "名单.xlsx", path.read_bytes())


def test_picking_no_phone_column_stays_on_the_mapping_screen(
    serve: Callable[..., str], tokens: dict[str, str]
) -> None:
    client, csrf = sign_in(serve())
    try:
        upload = client.post("/imports", data={"csrf_token": csrf}, files={"file": ("名单.csv", CSV)})
        job_id = upload.headers["location"].rsplit("/", 1)[1]
        client.post(f"/imports/jobs/{job_id}/mapping", data={"csrf_token": csrf, "col:0": "name"})
        assert _job(client, job_id, tokens["manager"])["state"] == "mapping"
    finally:
        client.close()
