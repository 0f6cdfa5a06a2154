"""Writers of the nasty files real campaign managers bring: every test builds its own."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

Rows = Sequence[Sequence[Any]]

HEADER: list[object] = ["姓名", "手机号码", "公司", "意向产品", "备注"]


def write_csv(
    path: Path, rows: Rows, *, encoding: str = "utf-8", delimiter: str = ",", bom: bool = False
) -> Path:
    lines = [delimiter.join("" if cell is None else str(cell) for cell in row) for row in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    if bom:
        data = "\ufeff".encode(encoding) + data if encoding != "utf-8" else b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_xlsx(
    path: Path, rows: Rows, *, title: str | None = None, sheets: dict[str, Rows] | None = None
) -> Path:
    """Rows as given (ints/floats stay numeric cells); `title` adds a merged title row above."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    first_rows = rows
    if sheets:
        sheet.title = next(iter(sheets))
        first_rows = sheets[sheet.title]
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in first_rows))
    for row in first_rows:
        sheet.append(list(row))
    for name, extra_rows in list((sheets or {}).items())[1:]:
        other = book.create_sheet(name)
        for row in extra_rows:
            other.append(list(row))
    book.save(path)
    return path


def write_html_table(path: Path, rows: Rows, *, encoding: str = "utf-8", title: str | None = None) -> Path:
    """The 'Excel' file web systems export: an HTML table saved as .xls."""
    charset = "gb2312" if encoding == "gb18030" else encoding
    parts = [
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head><body>'
    ]
    parts.append('<table border="1">')
    if title:
        parts.append(f'<tr><td colspan="{len(rows[0])}">{escape(title)}</td></tr>')
    for index, row in enumerate(rows):
        tag = "th" if index == 0 else "td"
        cells = "".join(f"<{tag}>{escape('' if c is None else str(c))}</{tag}>" for c in row)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table></body></html>")
    path.write_bytes("\n".join(parts).encode(encoding))
    return path


_CELL = "table:table-cell"


def write_ods(path: Path, rows: Rows) -> Path:
    """A minimal OpenDocument spreadsheet (what WPS/LibreOffice save), built by hand."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"'
    )
    body = []
    for row in rows:
        cells = []
        for cell in row:
            if cell is None or cell == "":
                cells.append("<table:table-cell/>")
            elif isinstance(cell, int | float):
                value = f'office:value-type="float" office:value="{cell}"'
                cells.append(f"<{_CELL} {value}><text:p>{cell}</text:p></{_CELL}>")
            else:
                text = escape(str(cell))
                cells.append(f'<{_CELL} office:value-type="string"><text:p>{text}</text:p></{_CELL}>')
        body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
        "<office:body><office:spreadsheet>"
        f'<table:table table:name="客户">{"".join(body)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def truncate(path: Path, keep: float = 0.6) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path
