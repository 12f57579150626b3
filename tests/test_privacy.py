"""The output scanner (tests/privacy.py) finds each kind of child identifier in each kind of output file."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from privacy import Identifiers, identifiers_from_returns, scan_outputs, scan_text

CHILD = "C3141592"
DOB = dt.date(2011, 7, 4)
UPN = "A123456789012"
POSTCODE = "ME14 1XX"
IDS = Identifiers({CHILD}, {DOB}, {UPN}, {POSTCODE})
ALL = {"child_id", "dob", "upn", "postcode"}


def plant_csv(path: Path, leak: bool) -> None:
    row = f"{CHILD},04/07/2011,{UPN},{POSTCODE}" if leak else "E10000016,2025,80,Kent"
    path.write_text(f"a,b,c,d\n{row}\n", encoding="utf-8")


def plant_log(path: Path, leak: bool) -> None:
    text = f"episodes.csv:12:3: child {CHILD} born 2011-07-04 at {POSTCODE.lower()}, UPN {UPN}" if leak \
        else "episodes.csv:12:3: DECOM is not a date (line 12): fix it in the return"
    path.write_text(f"INFO build started\n{text}\n", encoding="utf-8")


def plant_html(path: Path, leak: bool) -> None:
    body = (f"<td>{CHILD}</td><td>04&#47;07&#47;2011</td><td>{UPN}</td><td>ME14&nbsp;1XX</td>" if leak
            else "<td>Kent</td><td>80</td>")
    path.write_text(f"<html><body><table><tr>{body}</tr></table></body></html>", encoding="utf-8")


def plant_json(path: Path, leak: bool) -> None:
    doc = {"child": CHILD, "dob": "04/07/2011", "upn": UPN, "home": POSTCODE} if leak else {"area": "Kent"}
    path.write_text(json.dumps(doc).replace("/", "\\/"), encoding="utf-8")  # JSON may escape the slashes


def plant_parquet(path: Path, leak: bool) -> None:
    df = (pl.DataFrame({"child": [CHILD], "dob": [DOB], "upn": [UPN], "post": [POSTCODE]}) if leak
          else pl.DataFrame({"area": ["Kent"], "period": [dt.date(2025, 3, 31)]}))
    df.write_parquet(path)


def plant_xlsx(path: Path, leak: bool) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([CHILD, dt.datetime(2011, 7, 4), UPN, POSTCODE] if leak else ["Kent", 80])  # a date cell
    book.save(path)


def plant_pdf(path: Path, leak: bool) -> None:
    from weasyprint import HTML

    body = f"<p>Child {CHILD}, 04/07/2011, {UPN}, {POSTCODE}</p>" if leak else "<p>Kent: 80 children</p>"
    HTML(string=f"<html><body>{body}</body></html>").write_pdf(path)


def plant_zip(path: Path, leak: bool) -> None:
    inner = path.with_suffix(".inner.csv")
    plant_csv(inner, leak)
    with zipfile.ZipFile(path, "w") as z:
        z.write(inner, "tables/data.csv")
    inner.unlink()


PLANTERS = {"table.csv": plant_csv, "build.log": plant_log, "page.html": plant_html, "data.json": plant_json,
            "values.parquet": plant_parquet, "book.xlsx": plant_xlsx, "report.pdf": plant_pdf,
            "bundle.zip": plant_zip}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    leaky, clean = tmp_path_factory.mktemp("leaky"), tmp_path_factory.mktemp("clean")
    for name, plant in PLANTERS.items():
        (leaky / "sub").mkdir(exist_ok=True)
        plant(leaky / "sub" / name, True)
        plant(clean / name, False)
    return leaky, clean


@pytest.mark.parametrize("name", sorted(PLANTERS))
def test_every_kind_is_found_in_every_kind_of_file(planted: tuple[Path, Path], name: str) -> None:
    leaky, _ = planted
    found = [leak for leak in scan_outputs(leaky, IDS) if leak.file == f"sub/{name}"]
    assert {leak.kind for leak in found} == ALL, found
    assert all(leak.where for leak in found)


def test_clean_outputs_give_nothing(planted: tuple[Path, Path]) -> None:
    _, clean = planted
    assert scan_outputs(clean, IDS) == []


def test_the_pdf_text_is_compressed_so_bytes_alone_would_miss_it(planted: tuple[Path, Path]) -> None:
    leaky, _ = planted
    assert CHILD.encode() not in (leaky / "sub" / "report.pdf").read_bytes()


def test_the_warehouse_is_not_scanned(tmp_path: Path) -> None:
    (tmp_path / "carestats.duckdb").write_text(f"{CHILD} {UPN}", encoding="utf-8")
    (tmp_path / "carestats.duckdb.wal").write_text(f"{CHILD}", encoding="utf-8")
    assert scan_outputs(tmp_path, IDS) == []
    (tmp_path / "notes.txt").write_text(f"x\ny {CHILD}\n", encoding="utf-8")
    assert [str(leak) for leak in scan_outputs(tmp_path, IDS)] == [f"notes.txt: line 2: child_id '{CHILD}'"]


def test_ids_are_whole_tokens_and_unlisted_shapes_are_still_caught(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(f"X{CHILD}9,2011-07-041,204/07/2011\n", encoding="utf-8")
    assert scan_outputs(tmp_path, IDS) == []  # inside longer tokens: not the identifiers
    (tmp_path / "b.csv").write_text("B987654321098,SW1A 1AA\n", encoding="utf-8")  # in no list
    assert {leak.kind for leak in scan_outputs(tmp_path, Identifiers())} == {"upn", "postcode"}


def test_a_mapping_and_the_returns_give_the_identifiers(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.txt").write_text(f"{CHILD} 2011-07-04", encoding="utf-8")
    found = scan_outputs(tmp_path / "out", {"child_id": [CHILD], "dob": ["2011-07-04"]})
    assert {leak.kind for leak in found} == {"child_id", "dob"}
    year = tmp_path / "returns" / "2024-25"
    year.mkdir(parents=True)
    (year / "header.csv").write_text(f"CHILD,SEX,DOB,ETHNIC,UPN\n{CHILD},1,04/07/2011,WBRI,{UPN}\n7,2,bad,WBRI,UN1\n",
                                     encoding="utf-8")
    (year / "episodes.csv").write_text(f"CHILD,DECOM,HOME_POST,PL_POST\n{CHILD},01/04/2024,{POSTCODE},ME14\n",
                                       encoding="utf-8")
    ids = identifiers_from_returns(tmp_path / "returns")
    assert ids == Identifiers({CHILD, "7"}, {DOB}, {UPN}, {POSTCODE})
    (year / "return.xml").write_text(
        "<Message><Children><Child><Header><CHILD>X99</CHILD><DOB>2012-02-29</DOB><UPN>UN4</UPN></Header>"
        "<Episodes><Episode><HOME_POST>SW1A 1AA</HOME_POST></Episode></Episodes></Child></Children></Message>",
        encoding="utf-8")
    ids = identifiers_from_returns(tmp_path / "returns")
    assert ids == Identifiers({CHILD, "7", "X99"}, {DOB, dt.date(2012, 2, 29)}, {UPN}, {POSTCODE, "SW1A 1AA"})
    with pytest.raises(ValueError, match="unknown identifier kinds"):
        scan_outputs(tmp_path / "out", {"nhs_number": ["1"]})


def test_printed_text_is_searched_the_same_way() -> None:
    err = f"Error: episodes.csv:4:2: DECOM is not a date\nchild {CHILD} at me14 1xx\n"
    assert [str(leak) for leak in scan_text(err, IDS, "stderr")] == [
        f"stderr: line 2: child_id '{CHILD}'", "stderr: line 2: postcode 'me14 1xx'"]
    assert scan_text("Error: episodes.csv:4:2: DECOM is not a date", IDS) == []


def test_nested_parquet_columns_are_read(tmp_path: Path) -> None:
    pl.DataFrame({"rows": [[{"child": CHILD, "born": DOB}]]}).write_parquet(tmp_path / "nested.parquet")
    assert {leak.kind for leak in scan_outputs(tmp_path, IDS)} == {"child_id", "dob"}


@pytest.mark.slow
def test_the_published_outputs_hold_nothing_shaped_like_an_identifier(real_build: Path) -> None:
    # what the release files give (no child in them) never looks like a UPN or a full postcode, so a build
    # with a council's return can be scanned as a whole
    assert scan_outputs(real_build, Identifiers()) == []
