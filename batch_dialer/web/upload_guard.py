"""Receiving an upload safely: streamed to a temporary file and cut off at the size limit, file
names checked, and workbooks checked for decompression bombs before pandas or calamine open them.

The zip check here is the web's own (its limits are `DIALER_WEB_*`). The grid checks that every
format needs — far cells and huge ranges in xlsx/xls/ods, spans and cell counts in HTML tables,
over-long CSV lines — are the importer's, run for every upload by `prepare_import`, with workbooks
read in a memory-limited child process; a refusal there is a 422 as well.

A refused upload leaves nothing behind: the caller deletes the upload directory on any error.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

__all__ = [
    "MAX_FILE_NAME_CHARS",
    "ReceivedUpload",
    "UploadRejected",
    "check_file_name",
    "check_workbook_bomb",
    "receive_upload",
    "safe_file_name",
]

_MAX_FIELDS = 50
_MAX_FIELD_BYTES = 64 * 1024
_MAX_ENTRIES = 10_000
_RATIO_MIN_BYTES = 1024 * 1024  # small entries (styles, a short sheet) may compress very well
_UNSAFE = re.compile(r"[\\/\x00-\x1f<>:\"|?*]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_FILE_NAME_CHARS = 255  # what file systems allow for one name


class UploadRejected(Exception):
    """The upload is refused; ``message`` is one line for the user, ``status`` the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ReceivedUpload:
    path: Path | None  # the file part, written to disk; None when the form had no file
    file_name: str
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)


def check_file_name(name: str) -> None:
    """Refuse names no browser sends for a real file: too long, or with CR/LF/NUL and other controls."""
    if len(name) > MAX_FILE_NAME_CHARS:
        raise UploadRejected(
            400,
            f"文件名过长 / the file name is too long ({len(name):,} characters; "
            f"at most {MAX_FILE_NAME_CHARS})",
        )
    if _CONTROL.search(name):
        raise UploadRejected(
            400,
            "文件名含控制字符 / the file name contains control characters (CR, LF, NUL…); rename the file",
        )


def safe_file_name(name: str) -> str:
    """The base name a browser sent, without directories or characters a file system dislikes."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:200] or "upload"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.3g} MB"


class _FormSink:
    """Callbacks for python-multipart: one file part goes to disk, text fields stay in memory."""

    def __init__(self, directory: Path, limit: int) -> None:
        self.directory = directory
        self.limit = limit
        self.upload = ReceivedUpload(None, "")
        self._header_name = b""
        self._header_value = b""
        self._disposition: dict[bytes, bytes] = {}
        self._field_name: str | None = None
        self._field_value = bytearray()
        self._handle: BinaryIO | None = None

    def on_part_begin(self) -> None:
        self._disposition = {}
        self._field_name = None
        self._field_value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            _, self._disposition = parse_options_header(self._header_value)
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        name = self._disposition.get(b"name", b"").decode("utf-8", "replace")
        file_name = self._disposition.get(b"filename")
        if file_name is not None and self._handle is None and self.upload.path is None:
            sent = file_name.decode("utf-8", "replace")
            check_file_name(sent)
            shown = safe_file_name(sent)
            self.upload.file_name = shown
            self.upload.path = self.directory / ("upload" + Path(shown).suffix.lower()[:10])
            self._handle = self.upload.path.open("wb")
        elif file_name is None:
            if len(self.upload.fields) >= _MAX_FIELDS:
                raise UploadRejected(400, "表单字段过多 / too many form fields")
            self._field_name = name

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._handle is not None:
            self.upload.size += len(chunk)
            if self.upload.size > self.limit:
                raise UploadRejected(
                    413, f"文件超过上传上限 {_mb(self.limit)} / the file is larger than {_mb(self.limit)}"
                )
            self._handle.write(chunk)
        elif self._field_name is not None:
            self._field_value += chunk
            if len(self._field_value) > _MAX_FIELD_BYTES:
                raise UploadRejected(400, f"表单字段 {self._field_name} 过长 / form field too long")

    def on_part_end(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        elif self._field_name is not None:
            self.upload.fields[self._field_name] = self._field_value.decode("utf-8", "replace")
            self._field_name = None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


async def receive_upload(request: Request, directory: Path, limit: int) -> ReceivedUpload:
    """Parse a multipart/form-data body into ``directory``; UploadRejected when it is too large or no
    form. The declared Content-Length is checked first, the bytes actually received too."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadRejected(400, "请用表单上传文件 / send the file as multipart/form-data")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _MAX_FIELDS * 1024:
        raise UploadRejected(413, f"文件超过上传上限 {_mb(limit)} / the file is larger than {_mb(limit)}")
    sink = _FormSink(directory, limit)
    callbacks = {
        name: getattr(sink, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        if "header size" in str(exc):
            raise UploadRejected(
                400, "表单头过长 / a form part header is too long (is the file name very long?)"
            ) from None
        if "header" in str(exc):
            raise UploadRejected(
                400,
                f"表单头无法解析 / a form part header could not be read ({exc}): "
                "a CR or LF in the file name?",
            ) from None
        raise UploadRejected(400, f"表单无法解析 / the form could not be read ({exc})") from None
    finally:
        sink.close()
    return sink.upload


def check_workbook_bomb(path: Path, max_total: int, max_ratio: float) -> None:
    """Refuse a zip-based workbook (xlsx, xlsm, ods) that unpacks too large or too tightly.

    The sizes in the zip directory can lie, so every entry is decompressed as a stream and counted,
    stopping at the limit; nothing is kept. Files that are not zips pass (the importer judges them).
    """
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > _MAX_ENTRIES:
                raise UploadRejected(422, f"工作簿包含 {len(entries)} 个部件，疑似压缩炸弹 / too many parts")
            total = 0
            for info in entries:
                unpacked = 0
                with archive.open(info) as member:
                    while block := member.read(1 << 20):
                        unpacked += len(block)
                        total += len(block)
                        if total > max_total:
                            raise UploadRejected(
                                422,
                                f"工作簿解压后超过 {_mb(max_total)}，疑似压缩炸弹 / "
                                f"the workbook unpacks to more than {_mb(max_total)} (decompression bomb)",
                            )
                packed = max(info.compress_size, 1)
                if unpacked >= _RATIO_MIN_BYTES and unpacked / packed > max_ratio:
                    raise UploadRejected(
                        422,
                        f"工作簿部件 {info.filename} 压缩比 {unpacked / packed:.0f}:1，疑似压缩炸弹 / "
                        f"compression ratio above {max_ratio:g} (decompression bomb)",
                    )
    except (zlib.error, EOFError) as exc:  # a damaged deflate stream: say so, do not fail with a 500
        raise UploadRejected(422, f"工作簿已损坏 / corrupt or truncated workbook ({exc})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError):
        return  # a damaged archive: the importer refuses it with its own message
