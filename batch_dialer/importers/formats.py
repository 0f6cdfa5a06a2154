"""What a file really is, judged by its bytes: users rename exports freely (.xls that is HTML or XLSX)."""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from batch_dialer.importers.errors import ImportRefused

__all__ = ["DELIMITERS", "FileFormat", "FormatKind", "sniff_format"]

FormatKind = Literal["csv", "xlsx", "xlsb", "xls", "ods", "html"]
DELIMITERS = (",", "\t", ";")

_HEAD_BYTES = 64 * 1024
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_SPREADSHEETS = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_HTML_START = re.compile(r"^\s*<(?:!doctype\s+html|html|table|head|body|meta|\?xml[^>]*>\s*<html)", re.I)
_TABLE_TAG = re.compile(rb"<\s*table", re.I)


@dataclass(frozen=True)
class FileFormat:
    """The detected kind; `encoding`/`delimiter` only for text kinds."""

    kind: FormatKind
    encoding: str | None = None
    delimiter: str | None = None

    def describe(self) -> str:
        parts: list[str] = [self.kind]
        if self.encoding:
            parts.append(self.encoding)
        if self.delimiter:
            parts.append({",": "comma", "\t": "tab", ";": "semicolon"}[self.delimiter])
        return " ".join(parts)


def sniff_format(path: Path) -> FileFormat:
    """Detect the format by content; refuse empty, binary or damaged files with one clear problem."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except IsADirectoryError:
        raise ImportRefused(path, "is a directory, not a file") from None
    except OSError as exc:
        raise ImportRefused(path, f"cannot read the file: {exc.strerror or exc}") from None
    if size == 0:
        raise ImportRefused(path, "the file is empty (0 bytes)")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return FileFormat(_zip_kind(path))
    if head.startswith(_OLE2_MAGIC):
        return FileFormat("xls")
    for magic, what in _NOT_SPREADSHEETS:
        if head.startswith(magic):
            raise ImportRefused(path, f"unknown format: this is {what}, not a spreadsheet")
    encoding = _text_encoding(path, head)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=size <= _HEAD_BYTES)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportRefused(path, "the file is empty (only blank lines)")
    if _looks_binary(text):
        raise ImportRefused(path, "unknown format: binary data, not a spreadsheet or text")
    if _HTML_START.match(text):
        if not _file_has_table(path, encoding):
            raise ImportRefused(path, "an HTML page without a table")
        return FileFormat("html", encoding=encoding)
    return FileFormat("csv", encoding=encoding, delimiter=sniff_delimiter(text, complete=size <= _HEAD_BYTES))


def _zip_kind(path: Path) -> FormatKind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if b"opendocument.spreadsheet" in archive.read("mimetype"):
                    return "ods"
                raise ImportRefused(path, "unknown format: an OpenDocument file that is not a spreadsheet")
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
    except (zipfile.BadZipFile, EOFError, zlib.error, KeyError) as exc:
        raise ImportRefused(path, f"corrupt or truncated workbook ({exc})") from None
    raise ImportRefused(path, "unknown format: a zip archive that is not an Excel or ODS workbook")


def _text_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern), else GB18030 (a superset of GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4:
        if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    if b"\x00" in head:
        raise ImportRefused(path, "unknown format: binary data, not a spreadsheet or text")
    for encoding in ("utf-8", "gb18030"):
        if _decodes_fully(path, encoding):
            return encoding
    raise ImportRefused(path, "unknown format: text that is neither UTF-8, GBK/GB18030 nor UTF-16")


def _decodes_fully(path: Path, encoding: str) -> bool:
    """Check the whole file, not just its head: a GBK byte on row 900,000 must not end an import halfway."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    return controls > max(2, len(sample) // 100)


def _file_has_table(path: Path, encoding: str) -> bool:
    pattern = _TABLE_TAG if not encoding.startswith("utf-16") else None
    if pattern is None:
        return "<table" in path.read_text(encoding=encoding, errors="replace").lower()
    with path.open("rb") as handle:
        tail = b""
        while block := handle.read(1 << 20):
            if pattern.search(tail + block):
                return True
            tail = block[-16:]
    return False


def sniff_delimiter(text: str, complete: bool = True) -> str:
    """The delimiter that splits the most lines into the same number of fields (title rows have none)."""
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the head may end inside a line
    lines = [line for line in lines[:300] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delimiter))) - 1 for line in lines]
        positive = [count for count in counts if count > 0]
        if not positive:
            continue
        mode, agreeing = Counter(positive).most_common(1)[0]
        score = (agreeing, mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best
