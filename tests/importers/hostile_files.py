"""Builders of hostile spreadsheets: tiny files that ask a reader for gigabytes or minutes."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["far_cell_xls", "huge_colspan_html", "raw_xlsx", "repeated_ods"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def raw_xlsx(path: Path, cells: Sequence[tuple[str, str]], dimension: str | None = None) -> Path:
    """An xlsx written by hand: inline-string cells at the given references, an optional <dimension>."""
    rows: dict[int, list[str]] = {}
    for ref, text in cells:
        row = int(re.sub(r"[A-Z]", "", ref))
        rows.setdefault(row, []).append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
    data = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
        '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}">{dim}'
        f"<sheetData>{data}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def far_cell_xls(path: Path, row: int = 65535, column: int = 255) -> Path:
    """A legacy .xls with a header, one contact and one value in the farthest cell BIFF allows."""
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook()
    sheet = book.add_sheet("客户")
    for col, text in enumerate(["姓名", "手机号码"]):
        sheet.write(0, col, text)
    sheet.write(1, 0, "张三")
    sheet.write(1, 1, "13800138000")
    sheet.write(row, column, "x")
    book.save(str(path))
    return path


def huge_colspan_html(path: Path, rows: int, colspan: str = "2147483647") -> Path:
    """An HTML-table ".xls" whose every data row has one cell claiming a huge colspan."""
    body = "".join(
        f'<tr><td>客户{i}</td><td>1380013{i % 10000:04d}</td><td colspan="{colspan}">x</td></tr>'
        for i in range(rows)
    )
    path.write_text(
        f"<html><body><table><tr><th>姓名</th><th>手机号码</th><th>备注</th></tr>{body}</table></body></html>",
        encoding="utf-8",
    )
    return path


def repeated_ods(path: Path, rows_repeated: int, columns_repeated: int) -> Path:
    """An OpenDocument sheet of a few hundred bytes whose one row and cell repeat into a huge grid."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
    )
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body>'
        '<office:spreadsheet><table:table table:name="客户">'
        f"<table:table-row>{cell.format('姓名')}{cell.format('手机号码')}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="{rows_repeated}">{cell.format("张三")}'
        f'<table:table-cell table:number-columns-repeated="{columns_repeated}" office:value-type="string">'
        "<text:p>13800138000</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
    return path


_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
