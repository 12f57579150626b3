"""Exports for analysts: one XLSX workbook (a sheet per theme, a metadata sheet) in build/exports/.

Numbers are written as numbers; a value that is not published is written as its symbol, as text. Text
cells that Excel would read as a formula are written as plain strings. The workbook's dates come from the
data and its zip entries are normalised, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl

from carestats.formatting import SYMBOLS, fmt_period
from carestats.registry import THEMES, Indicator

COLUMNS = ["indicator_id", "indicator", "period", "geographic_level", "area_code", "area_name", "breakdown",
           "value", "status", "numerator", "denominator", "release"]
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _text_cell(ws, value: str):  # type: ignore[no-untyped-def]
    """A string cell that Excel will never evaluate, even when it starts with = + - @."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def write_xlsx(values: pl.DataFrame, indicators: list[Indicator], target: Path, year: int) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    stamp = dt.datetime(max(year, 1980), 3, 31)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "carestats"
    titles = {i.id: i.title for i in indicators}
    about = wb.create_sheet("About")
    about.append(["carestats indicator workbook"])
    about.append([f"Report year {year}. One sheet per theme; the Metadata sheet defines every indicator."])
    about.append(["A value that is not published is shown as the publisher's symbol (as text):"])
    for sym, meaning in SYMBOLS.items():
        about.append([sym, meaning])
    for theme, theme_title in THEMES.items():
        ids = [i.id for i in indicators if i.theme == theme]
        part = values.filter(pl.col("indicator_id").is_in(ids))
        if part.is_empty():
            continue
        ws = wb.create_sheet(theme_title[:31].replace("/", " "))
        ws.append(COLUMNS)
        for r in part.iter_rows(named=True):
            value = r["value"] if r["value"] is not None else _text_cell(ws, r["status"] or "")
            ws.append([
                _text_cell(ws, r["indicator_id"]), _text_cell(ws, titles.get(r["indicator_id"], "")),
                _text_cell(ws, fmt_period(r["time_period"])), _text_cell(ws, r["geographic_level"]),
                _text_cell(ws, r["area_code"]), _text_cell(ws, r["area_name"] or ""),
                _text_cell(ws, r["breakdown"]), value, _text_cell(ws, r["status"] or ""),
                r["numerator"], r["denominator"], _text_cell(ws, r["release"]),
            ])
    meta = wb.create_sheet("Metadata")
    meta.append(["indicator_id", "title", "theme", "unit", "decimals", "polarity", "definition", "numerator",
                 "denominator", "method", "method_note", "source_files"])
    for i in indicators:
        meta.append([_text_cell(meta, str(x)) for x in (
            i.id, i.title, i.theme_title, i.unit, i.decimals, i.polarity, i.definition, i.numerator,
            i.denominator, i.method, i.method_note, ", ".join(i.source_files))])
    buf = io.BytesIO()
    wb.save(buf)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(normalise_zip(buf.getvalue()))
    return target


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and order, so identical content gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            clean = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            clean.compress_type = zipfile.ZIP_DEFLATED
            clean.external_attr = 0o644 << 16
            dst.writestr(clean, src.read(info.filename))
    return out.getvalue()
