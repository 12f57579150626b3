"""Reading SSDA903 returns (children looked after) as councils export them for the DfE.

DIR holds one folder per collection year, named by the year it ends: `2024-25` is the year 1 April 2024
to 31 March 2025 (`2024-2025` and `2024_25` are read the same way). A bare `2025` is ambiguous (councils
and tools use it for both ends of the year); carestats reads it as the year *ending* 31 March 2025 (the
DfE's "2025" collection, 2024-25) and checks that against the dates in the return: a bare-year folder
whose episodes, missing episodes or reviews have dates after 31 March of that year is refused with an
error saying how to name it. DIR may also be one year folder itself.

A year folder holds either the CSV tables (header, episodes, uasc, oc2, oc3, ad1, placed_for_adoption,
previous_permanence, missing, reviews, sw_episodes; each recognised by its columns, never by its file
name) or one XML return in the DfE's schema. The XML is untrusted: it is parsed with expat, refusing any
DOCTYPE (so no entity can be declared, expanded or fetched), with a size limit checked before parsing;
a hostile or malformed file gets a located error, never a hang or a fetch.

What comes back is text as read, with each row's file and line. Dates are read in warehouse/children.py,
which also turns child IDs into keyed hashes; nothing here logs or reports a cell's value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from carestats.core.errors import DataError
from carestats.core.ssda903 import COLUMNS  # the one list of the return's tables and their columns

# Columns some years' returns do not carry: a table is still recognised without them (read as blank).
OPTIONAL = {"episodes": {"REASON_PLACE_CHANGE", "URN", "PLACE_PROVIDER"}, "header": {"MC_DOB", "MOTHER"}}

MAX_XML_BYTES = 200 * 1024 * 1024  # a council's whole XML return is a few MB; anything bigger is refused
MAX_CSV_BYTES = 200 * 1024 * 1024
YEAR_FOLDER = re.compile(r"^(\d{4})[-_](\d{2}|\d{4})$")
BARE_YEAR = re.compile(r"^(\d{4})$")

# XML tags holding one row of a table below a child, and the table each fills.
XML_ROWS = {"EPISODE": "episodes", "AREVIEW": "reviews", "AMISSING": "missing", "OC2": "oc2",
            "PERMANENCE": "previous_permanence", "AD_PLACED": "placed_for_adoption"}
XML_RENAME = {"CHILDID": "CHILD", "PL": "PLACE"}


@dataclass
class Table:
    """One table of a return: its rows as text (None for a blank cell), each with its file and line."""
    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, str | None]] = field(default_factory=list)
    where: list[tuple[str, int]] = field(default_factory=list)  # (file name, line) of each row


@dataclass
class YearReturn:
    end_year: int
    folder: Path
    tables: dict[str, Table]
    files: list[tuple[str, str]]  # (file name, table it was read as)
    bare_year: bool = False


def end_year_of_folder(name: str) -> tuple[int, bool] | None:
    """The collection year a folder name gives (the year it ends), and whether it was a bare year."""
    m = YEAR_FOLDER.match(name)
    if m:
        start, end = int(m.group(1)), m.group(2)
        end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        if len(end) == 2 and end_year <= start:
            end_year += 100
        if end_year != start + 1:
            raise DataError(f"{name}: a year folder names two consecutive years, such as 2024-25",
                            "rename the folder to the collection year it holds")
        return end_year, False
    m = BARE_YEAR.match(name)
    if m:
        return int(m.group(1)), True
    return None


def year_folders(root: Path) -> list[tuple[int, Path, bool]]:
    """The year folders under DIR (or DIR itself when it is one), in year order."""
    if not root.is_dir():
        raise DataError(f"{root}: the SSDA903 folder does not exist", "give --ssda903 the folder holding 2024-25/ etc.")
    own = end_year_of_folder(root.name)
    if own is not None and any(p.is_file() for p in root.iterdir()):
        return [(own[0], root, own[1])]
    found: dict[int, Path] = {}
    bare: dict[int, bool] = {}
    for p in sorted(root.iterdir()):
        if not p.is_dir():
            continue
        got = end_year_of_folder(p.name)
        if got is None:
            continue
        if got[0] in found:
            raise DataError(f"{p}: a second folder for the year to 31 March {got[0]} (also {found[got[0]].name})",
                            "keep one folder per collection year")
        found[got[0]], bare[got[0]] = p, got[1]
    if not found:
        raise DataError(f"{root}: no year folder such as 2024-25 (the year to 31 March 2025)",
                        "put each year's return in a folder named by its collection year")
    return [(y, found[y], bare[y]) for y in sorted(found)]


def read_returns(root: Path) -> list[YearReturn]:
    """Every year's return under DIR, each table recognised by its columns."""
    return [read_year(folder, year, bare) for year, folder, bare in year_folders(root)]


def read_year(folder: Path, end_year: int, bare: bool = False) -> YearReturn:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    xml = [p for p in files if p.suffix.lower() == ".xml"]
    csvs = [p for p in files if p.suffix.lower() == ".csv"]
    if xml and csvs:
        raise DataError(f"{folder.name}: both CSV and XML files ({xml[0].name}, {csvs[0].name})",
                        "give one year either the CSV tables or one XML return")
    if len(xml) > 1:
        raise DataError(f"{folder.name}: more than one XML return ({xml[0].name}, {xml[1].name})",
                        "keep one XML return per year folder")
    tables: dict[str, Table] = {}
    read: list[tuple[str, str]] = []
    if xml:
        tables = read_xml(xml[0])
        read.append((xml[0].name, "xml"))
    for path in csvs:
        table = read_csv_table(path)
        if table.name in tables:
            other = next(f for f, t in read if t == table.name)
            raise DataError(f"{path.name}: a second {table.name} table in {folder.name} (also {other})",
                            "keep one file per table in a year folder")
        tables[table.name] = table
        read.append((path.name, table.name))
    if "episodes" not in tables:
        raise DataError(f"{folder.name}: no episodes table (no CSV has the episodes columns "
                        f"{', '.join(COLUMNS['episodes'])}, and no XML return)",
                        "export the return's episodes table into this folder")
    if bare:
        check_bare_year(folder, end_year, tables, iso=bool(xml))
    return YearReturn(end_year, folder, tables, read, bare)


BARE_DATES = {"episodes": ("DECOM", "DEC"), "missing": ("MIS_START", "MIS_END"), "reviews": ("REVIEW",)}


def check_bare_year(folder: Path, end_year: int, tables: dict[str, Table], iso: bool = False) -> None:
    """A bare-year folder (`2025`) is read as the year ending 31 March 2025: refused when its return has a
    date after that day, or no episode open at any time in that year."""
    import datetime as dt

    from carestats.warehouse.children import parse_date

    end, start = dt.date(end_year, 3, 31), dt.date(end_year - 1, 4, 1)
    hint = (f"a bare year names the year a collection ends: rename the folder {end_year - 1}-{end_year % 100:02d} "
            f"if it holds the year to 31 March {end_year}, or {end_year}-{(end_year + 1) % 100:02d} if it holds "
            f"the year to 31 March {end_year + 1}")
    open_in_year = False
    for name, cols in BARE_DATES.items():
        table = tables.get(name)
        if table is None:
            continue
        for cells, (file, line) in zip(table.rows, table.where):
            for col in cols:
                got = parse_date(cells.get(col), iso)
                if got and got > end:  # type: ignore[operator]
                    raise DataError(f"{folder.name}/{file}:{line}:{col}: folder {folder.name} is read as the year "
                                    f"to 31 March {end_year}, but {col} is after that day", hint)
            if name == "episodes":
                dec = parse_date(cells.get("DEC"), iso)
                if dec is None or (dec and dec >= start):  # type: ignore[operator]
                    open_in_year = True
    if not open_in_year:
        raise DataError(f"{folder.name}: folder {folder.name} is read as the year to 31 March {end_year}, but no "
                        f"episode in it was open in that year", hint)


def recognise(columns: list[str]) -> str | None:
    have = {c.strip().upper() for c in columns} - {""}  # blank headings (a spreadsheet's empty columns) aside
    for name, cols in COLUMNS.items():
        need = set(cols) - OPTIONAL.get(name, set())
        if need <= have <= set(cols):
            return name
    return None


def read_csv_table(path: Path) -> Table:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise DataError(f"{path.name}:1:1: the file is {size:,} bytes, more than a return's table can be",
                        "check it is the right file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{path.name}:{line}:1: the file is not UTF-8 text",
                        "open it and save it again as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise DataError(f"{path.name}:1:1: the file is empty", "export the table again with its header row")
        columns = tuple(c.strip().upper() for c in header)
        name = recognise(list(columns))
        if name is None:
            raise DataError(f"{path.name}:1:1: its columns ({', '.join(columns)}) are not those of any SSDA903 "
                            "table", "export the table with the DfE's column names (e.g. CHILD, DECOM, RNE …)")
        named = [c for c in columns if c]
        if len(set(named)) != len(named):
            dup = next(c for c in named if named.count(c) > 1)
            raise DataError(f"{path.name}:1:{columns.index(dup) + 1}: column {dup} appears twice", "keep one")
        table = Table(name, COLUMNS[name])
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(row) != len(columns):
                raise DataError(f"{path.name}:{line}:1: {len(row)} fields where the header has {len(columns)}",
                                "check that line for a stray comma or quote")
            cells = {c: (v.strip() or None) for c, v in zip(columns, row) if c}
            table.rows.append({c: cells.get(c) for c in table.columns})
            table.where.append((path.name, line))
    except csv.Error as exc:
        raise DataError(f"{path.name}:{reader.line_num}:1: not a readable CSV line ({exc})",
                        "check that line for an unclosed quote") from None
    return table


def read_xml(path: Path) -> dict[str, Table]:
    """An XML return, without DTDs or entities and within a size limit; rows located by line."""
    from xml.parsers import expat

    name = path.name
    size = path.stat().st_size
    if size > MAX_XML_BYTES:
        raise DataError(f"{name}:1:1: the XML return is {size:,} bytes, over the limit of {MAX_XML_BYTES:,}",
                        "check it is a single council's return")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(what: str, hint: str) -> None:
        raise DataError(f"{name}:{parser.CurrentLineNumber}:{parser.CurrentColumnNumber + 1}: {what}", hint)

    def no_doctype(*_: object) -> None:
        refuse("the XML return has a DOCTYPE (which may declare entities or fetch a DTD)",
               "export the return again without a <!DOCTYPE> line")

    def no_entity(*_: object) -> None:
        refuse("the XML return declares an entity", "export the return again without entity declarations")

    def no_external(*_: object) -> int:
        refuse("the XML return refers to an external entity", "export the return again")
        return 0

    tables = {t: Table(t, COLUMNS[t]) for t in COLUMNS}
    stack: list[tuple[str, int, dict[str, str | None]]] = []  # (tag, line, leaf values below it)
    text: list[str] = []
    depth_child = 2  # the root is the message; its CHILD elements (one per child) are at depth 2

    children: list[tuple[int, dict[str, str | None], list[tuple[str, int, dict[str, str | None]]]]] = []
    current_rows: list[tuple[str, int, dict[str, str | None]]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        text.clear()
        stack.append((tag, parser.CurrentLineNumber, {}))
        if len(stack) > 64:
            refuse("the XML return is nested too deeply", "check it is an SSDA903 return")

    def end(tag: str) -> None:
        nonlocal current_rows
        own_tag, line, leaves = stack.pop()
        depth = len(stack) + 1
        if not leaves:  # a leaf: its text is a value of the element above
            value = "".join(text).strip() or None
            if stack:
                stack[-1][2].setdefault(XML_RENAME.get(own_tag, own_tag), value)
            text.clear()
            return
        text.clear()
        if own_tag in XML_ROWS and depth > depth_child:
            current_rows.append((XML_ROWS[own_tag], line, leaves))
            return
        if depth == depth_child:
            children.append((line, leaves, current_rows))
            current_rows = []
            return
        if stack and depth > depth_child:  # a container (e.g. HEADER): its leaves belong to the child
            for k, v in leaves.items():
                stack[-1][2].setdefault(k, v)

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_entity
    parser.ExternalEntityRefHandler = no_external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise DataError(f"{name}:{exc.lineno}:{exc.offset + 1}: the XML return is not well-formed "
                        f"({expat.ErrorString(exc.code)})", "export the return again") from None

    def row(fields: dict[str, str | None], table: str, values: dict[str, str | None], at: int) -> None:
        merged = {**fields, **values}
        tables[table].rows.append({c: merged.get(c) for c in COLUMNS[table]})
        tables[table].where.append((name, at))

    for line, fields, rows in children:
        if not fields.get("CHILD"):
            continue  # not a child (e.g. the message's own header)
        row(fields, "header", {}, line)
        if fields.get("UASC") not in ("0", "false", None) or fields.get("DUC"):
            row(fields, "uasc", {}, line)
        if fields.get("IN_TOUCH") is not None:
            row(fields, "oc3", {}, line)
        if fields.get("DATE_INT") is not None:
            row(fields, "ad1", {}, line)
        for table, at, values in rows:
            row(fields, table, values, at)
    return {t: tab for t, tab in tables.items() if tab.rows}
