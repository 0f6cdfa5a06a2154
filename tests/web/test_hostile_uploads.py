"""Hostile uploads against a real uvicorn: every one is a 4xx with a one-line message, nothing is
stored, it is answered in bounded time, and the console still serves the next request."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.importers.file_builders import HEADER, write_xlsx
from tests.importers.hostile_files import far_cell_xls, huge_colspan_html, raw_xlsx, repeated_ods
from tests.web.conftest import stored_counts

CONTACT = [("A1", "姓名"), ("B1", "手机号码"), ("A2", "张三"), ("B2", "13800138000")]
DEADLINE_S = 90


def _corrupt_deflate(path: Path) -> bytes:
    """A valid xlsx whose sheet's deflate stream is damaged (headers and sizes intact): zlib.error."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start] = 0xFF  # block type 3: "invalid block type"
    return bytes(data)


def _files(tmp_path: Path) -> dict[str, tuple[str, bytes]]:
    rows = [HEADER] + [["张三", f"1380013{i:04d}", "", "", ""] for i in range(300)]
    good = write_xlsx(tmp_path / "good.xlsx", rows)
    return {
        "far cell xlsx": (
            "far.xlsx",
            raw_xlsx(tmp_path / "f.xlsx", [*CONTACT, ("XFD1048576", "x")]).read_bytes(),
        ),
        "declared range": (
            "dim.xlsx",
            raw_xlsx(tmp_path / "d.xlsx", CONTACT, dimension="A1:XFD1048576").read_bytes(),
        ),
        "far cell xls": ("far.xls", far_cell_xls(tmp_path / "f.xls").read_bytes()),
        "ods repeats": ("bomb.ods", repeated_ods(tmp_path / "b.ods", 1_000_000, 16_384).read_bytes()),
        "html colspan": ("span.xls", huge_colspan_html(tmp_path / "s.xls", 40_000).read_bytes()),
        "csv giant field": (
            "field.csv",
            "姓名,手机号码\r\n张三,13800138000\r\n李四,".encode() + b"x" * 300_000,
        ),
        "csv giant header": ("header.csv", b"name,phone," + b"h" * 10_000_000 + b"\r\n"),
        "corrupt deflate": ("broken.xlsx", _corrupt_deflate(good)),
    }


def _alive(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.get("/api/imports", headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def test_hostile_files_are_4xx_and_the_console_keeps_serving(
    serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine, tmp_path: Path
) -> None:
    url = serve()
    headers = {"Authorization": f"Bearer {tokens['manager']}"}
    with httpx.Client(base_url=url, timeout=DEADLINE_S) as client:
        for what, (name, data) in _files(tmp_path).items():
            started = time.monotonic()
            response = client.post("/api/imports", files={"file": (name, data)}, headers=headers)
            assert time.monotonic() - started < DEADLINE_S
            assert 400 <= response.status_code < 500, (what, response.status_code, response.text[:300])
            detail = response.json()["detail"]
            assert isinstance(detail, str) and "\n" not in detail and name in detail, (what, detail)
            _alive(client, headers)
    assert stored_counts(web_engine) == (0, 0, 0)
    assert not any((tmp_path / "uploads").rglob("*"))


def _multipart(file_name: bytes, data: bytes) -> tuple[bytes, str]:
    boundary = "hostileboundary7MA4YWxkTrZu0gW"
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + file_name
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "file_name",
    [("名" * 5000 + ".csv").encode(), b"list\rX-Evil: 1.csv", b"list\nname.csv", b"a\x00b.csv"],
    ids=["5000 characters", "CR", "LF", "NUL"],
)
def test_odd_upload_file_names_are_4xx_with_a_message(
    file_name: bytes, serve: Callable[..., str], tokens: dict[str, str], web_engine: Engine, tmp_path: Path
) -> None:
    url = serve()
    headers = {"Authorization": f"Bearer {tokens['manager']}"}
    body, content_type = _multipart(file_name, "姓名,手机号码\r\n张三,13800138000\r\n".encode())
    with httpx.Client(base_url=url, timeout=30) as client:
        response = client.post(
            "/api/imports", content=body, headers={**headers, "Content-Type": content_type}
        )
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
        assert "file name" in response.json()["detail"]
        _alive(client, headers)
    assert stored_counts(web_engine) == (0, 0, 0)
    assert not any((tmp_path / "uploads").rglob("*"))


def test_a_reader_crash_does_not_take_the_console_down(
    serve: Callable[..., str],
    tokens: dict[str, str],
    web_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Size checks off: calamine really aborts — in its child; the console answers 422 and serves on."""
    monkeypatch.setenv("DIALER_IMPORT_MAX_CELLS", str(10**12))
    monkeypatch.setenv("DIALER_IMPORT_SPARSE_MIN_CELLS", str(10**12))
    monkeypatch.setenv("DIALER_IMPORT_MEMORY_MB", "1024")
    url = serve()
    headers = {"Authorization": f"Bearer {tokens['manager']}"}
    far = raw_xlsx(tmp_path / "far.xlsx", [*CONTACT, ("XFD1048576", "x")]).read_bytes()
    with httpx.Client(base_url=url, timeout=DEADLINE_S) as client:
        response = client.post("/api/imports", files={"file": ("far.xlsx", far)}, headers=headers)
        assert response.status_code == 422, response.text
        assert "reader crashed" in response.json()["detail"]
        _alive(client, headers)
        ok = io.BytesIO("姓名,手机号码\r\n张三,13800138000\r\n".encode())
        accepted = client.post("/api/imports", files={"file": ("ok.csv", ok)}, headers=headers)
        assert accepted.status_code == 202, accepted.text
