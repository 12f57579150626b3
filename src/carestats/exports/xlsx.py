"""A small, fast XLSX writer: sheets of text and numbers, built with vectorised Polars string expressions.

Every text cell is an inline string, so Excel never evaluates it, even when it starts with = + - @; numbers
are numeric cells. There are no dates or clocks in the file and the zip entries carry a fixed time, so the
same tables give the same bytes. (openpyxl took ~20 s for the full indicator table; this takes ~1 s.)
XlsxWriter 3.3.1 in constant_memory mode was tried in its place (Dec 2026, the 67,941 values of the
reference build, XLSX write only, median of 3): 2.9 s against 0.6 s here, 4.8 times as long, so this
writer stays. (XlsxWriter also writes a text cell that starts with <r> and ends with </r> unescaped, as
rich-string XML, which published names must never become.)

Sheets are written a slice of rows at a time: each sheet's XML goes to a scratch file beside the target
(so its exact size is known, which decides the zip entry's format, as when the entry was written at
once), then is compressed into the workbook in pieces. A sheet may be given as a function that makes its
table, so only one sheet's table need exist at a time.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import polars as pl

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
INVALID_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
# zlib's level for every entry. The workbook's XML is highly repetitive (55 MB of it for the reference
# build's 67,941 values): level 3 compresses it to 4.4 MB in 0.12 s of CPU, level 6 to 3.8 MB in 0.29 s
# (measured Dec 2026), and the time is the build's, every build.
LEVEL = 3


def column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def escape_text(s: str) -> str:
    import re

    s = re.sub(INVALID_XML, "", s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _escape(expr: pl.Expr) -> pl.Expr:
    return (expr.str.replace_all(INVALID_XML, "").str.replace_all("&", "&amp;", literal=True)
            .str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True))


def figure(number: pl.Expr, text: pl.Expr) -> pl.Expr:
    """A column of cells that hold a number where there is one, and otherwise the text (a symbol)."""
    return pl.struct(number.cast(pl.Float64).alias("number"), text.cast(pl.String).alias("text"))


def _number_cell(c: pl.Expr, dtype: pl.DataType, ref: pl.Expr) -> pl.Expr:
    num = pl.when(c.is_finite() & (c == c.round(0)) & (c.abs() < 1e15)).then(
        c.cast(pl.Int64).cast(pl.String)).otherwise(c.cast(pl.String)) if dtype.is_float() else c.cast(pl.String)
    return pl.when(c.is_null()).then(pl.lit("")).otherwise(pl.concat_str(ref, pl.lit('"><v>'), num, pl.lit("</v></c>")))


def _text_cell(c: pl.Expr, ref: pl.Expr) -> pl.Expr:
    text = c.cast(pl.String)
    return pl.when(text.is_null() | (text == "")).then(pl.lit("")).otherwise(
        pl.concat_str(ref, pl.lit('" t="inlineStr"><is><t xml:space="preserve">'), _escape(text),
                      pl.lit("</t></is></c>")))


def _cell(col: str, dtype: pl.DataType, letter: str, row: pl.Expr) -> pl.Expr:
    ref = pl.concat_str(pl.lit(f'<c r="{letter}'), row)
    c = pl.col(col)
    if isinstance(dtype, pl.Struct) and [f.name for f in dtype.fields] == ["number", "text"]:
        number = c.struct.field("number")
        return pl.when(number.is_not_null()).then(_number_cell(number, pl.Float64(), ref)).otherwise(
            _text_cell(c.struct.field("text"), ref))
    if dtype.is_numeric():
        return _number_cell(c, dtype, ref)
    return _text_cell(c, ref)


SHEET_ROWS = 50_000  # rows of XML made at a time


# The header row stays in view when scrolling (a frozen pane below row 1).
FROZEN_HEADER = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                 'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')


def used_range(df: pl.DataFrame) -> str:
    """The header and every row, e.g. A1:M68000: the range the filters cover."""
    return f"A1:{column_letter(max(len(df.columns), 1) - 1)}{df.height + 1}"


def write_sheet(df: pl.DataFrame, out: BinaryIO, rows: int = SHEET_ROWS) -> None:
    """A worksheet's XML written to `out`, `rows` rows at a time; the header frozen, filters on every column.
    Each slice's rows are made by Polars and written by it (one row's XML after another, nothing between),
    never turned into Python strings."""
    header = "".join(
        f'<c r="{column_letter(i)}1" t="inlineStr"><is><t>{escape_text(c)}</t></is></c>'
        for i, c in enumerate(df.columns))
    out.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}">'
               f'{FROZEN_HEADER}<sheetData><row r="1">{header}</row>').encode())
    for start in range(0, df.height, rows):
        row = (pl.int_range(start + 2, start + pl.len() + 2)).cast(pl.String)
        cells = [_cell(c, t, column_letter(i), row) for i, (c, t) in enumerate(df.schema.items())]
        xml = df.slice(start, rows).select(
            pl.concat_str([pl.lit('<row r="'), row, pl.lit('">'), *cells, pl.lit("</row>")]).alias("x"))
        xml.write_csv(out, include_header=False, quote_style="never", line_terminator="")
    out.write(f'</sheetData><autoFilter ref="{used_range(df)}"/></worksheet>'.encode())


def sheet_xml(df: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    write_sheet(df, buffer)
    return buffer.getvalue()


Sheet = pl.DataFrame | Callable[[], pl.DataFrame]


def write_xlsx(sheets: list[tuple[str, Sheet]], target: Path) -> Path:
    """Write named sheets (names up to 31 characters, unique; each a table or a function making it)."""
    names = [n for n, _ in sheets]
    if len(set(names)) != len(names) or any(len(n) > 31 or any(ch in n for ch in "[]:*?/\\") for n in names):
        raise ValueError(f"bad sheet names: {names}")
    files: dict[str, bytes] = {}
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    files["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>").encode()
    files["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode()
    sheet_entries = "".join(
        f'<sheet name="{escape_text(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
    filters: list[str] = []  # the filter ranges, known once each sheet's table is made (see below)
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    files["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">{rels}'
        f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL}/styles" Target="styles.xml"/></Relationships>').encode()
    files["xl/styles.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{NS}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>').encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = [target.with_name(f".{target.name}.sheet{i}.xml") for i in range(1, len(sheets) + 1)]
    try:
        for path, (_, sheet) in zip(scratch, sheets):
            table = sheet() if callable(sheet) else sheet
            filters.append(used_range(table))
            with path.open("wb") as fh:
                write_sheet(table, fh)
            del table
        # Excel keeps each sheet's filter range as a hidden defined name as well as in the sheet.
        defined = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_quoted(n)}!{_absolute(ref)}</definedName>" for i, (n, ref) in enumerate(zip(names, filters)))
        files["xl/workbook.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{NS}" xmlns:r="{REL}">'
            f"<sheets>{sheet_entries}</sheets><definedNames>{defined}</definedNames></workbook>").encode()
        files = {k: files[k] for k in FILE_ORDER}
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in files.items():
                z.writestr(_entry(name, len(data)), data, compresslevel=LEVEL)
            for i, path in enumerate(scratch, 1):
                entry = _entry(f"xl/worksheets/sheet{i}.xml", path.stat().st_size)
                # the size is set before writing, as writestr does: it decides whether the entry is zip64
                with path.open("rb") as src, z.open(entry, "w") as dest:
                    shutil.copyfileobj(src, dest, 1 << 20)
    finally:
        for path in scratch:
            if path.exists():
                os.remove(path)
    return target


FILE_ORDER = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")


def _quoted(sheet: str) -> str:
    return "'" + escape_text(sheet).replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    import re

    return ":".join(re.sub(r"^([A-Z]+)(\d+)$", r"$\1$\2", part) for part in ref.split(":"))


def _entry(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size
    info._compresslevel = LEVEL  # type: ignore[attr-defined]  # what writestr(..., compresslevel=LEVEL) sets
    return info
