"""Statistical neighbour files, the LA number -> GSS code mapping, and the `areas` table."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from carestats.core.errors import ConfigError
from carestats.ingest import neighbours
from carestats.ingest.csvfile import read_csv
from carestats.pipeline.inputs import read_inputs
from carestats.warehouse import areas
from carestats.warehouse import db as warehouse

EES = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
       "old_la_code,new_la_code,la_name,children_count\n")


def sn_2021_text(rows: list[tuple[str, str, list[str]]]) -> str:
    """The 2021 layout: SNP repeated after every neighbour, a trailing empty column, blank rows."""
    header = "LA num,LA Name,LA number,GOInd,GOReg," + ",".join(f"SN{k},SNP" for k in range(1, 11)) + ",\n"
    lines = [header]
    for code, name, sns in rows:
        cells = ",".join(f"{n},{'Very Close' if k < 3 else 'Close'}" for k, n in enumerate(sns))
        lines.append(f"{code},{name},{code},1,Somewhere,{cells},\n")
    lines.insert(2, "," * 25 + "\n")
    lines.append("," * 25 + "\n")
    lines.append(",Old SNs:" + "," * 24 + "\n")
    return "".join(lines)


def sn_2025_text(rows: list[tuple[str, str, list[str]]]) -> str:
    header = "old_la_code,la_name,region_ind,region_name," + ",".join(f"SN_{k},SN_{k}P" for k in range(1, 11))
    lines = [header + "\n"]
    for code, name, sns in rows:
        lines.append(f"{code},{name},1,Somewhere," + ",".join(f"{n},Close " for n in sns) + "\n")
    return "".join(lines)


def csv_file(path: Path, text: str, name: str | None = None):  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8-sig")
    path.write_bytes(data)
    return read_csv(path, name or path.name, hashlib.sha256(data).hexdigest(), data)


TEN = [str(n) for n in range(301, 311)]


def test_the_two_dfe_layouts_are_recognised_by_their_header(tmp_path: Path) -> None:
    old = csv_file(tmp_path / "New_Statistical_Neighbour_Groupings_April_2021.csv", sn_2021_text([("201", "A", TEN)]))
    new = csv_file(tmp_path / "sn_model_2025_wide.csv", sn_2025_text([("201", "A", TEN)]))
    assert neighbours.is_neighbour_file(old.header) and neighbours.is_neighbour_file(new.header)
    assert not neighbours.is_neighbour_file(EES.strip().split(","))
    assert not neighbours.is_neighbour_file(["old_la_code", "SN_1", "SN_2"])  # fewer than ten neighbours


def test_a_2021_file_gives_ten_ranked_neighbours_per_la_and_skips_blank_and_label_rows(tmp_path: Path) -> None:
    f = csv_file(tmp_path / "x_2021.csv", sn_2021_text([("201", "City", TEN), ("202", "Camden", TEN[::-1])]))
    df, findings = neighbours.parse(f)
    assert findings == []
    assert df.height == 20 and set(df["sn_set"]) == {"2021"}
    camden = df.filter(pl.col("old_la_code") == "202").sort("neighbour_rank")
    assert camden["neighbour_old_code"].to_list() == TEN[::-1]
    assert camden["closeness"].to_list()[:4] == ["Very close", "Very close", "Very close", "Close"]
    assert camden["_line"][0] == 4  # header, City, a blank row, then Camden


def test_closeness_labels_lose_trailing_spaces_and_case_differences() -> None:
    assert neighbours.closeness_label("Close ") == "Close"
    assert neighbours.closeness_label("Very Close") == neighbours.closeness_label("Very close") == "Very close"
    assert neighbours.closeness_label("  ") is None


def test_a_file_without_a_year_in_its_name_or_with_a_bad_code_is_reported(tmp_path: Path) -> None:
    _, findings = neighbours.parse(csv_file(tmp_path / "neighbours.csv", sn_2025_text([("201", "A", TEN)])))
    assert [x.rule for x in findings] == ["SN-YEAR"]
    bad = TEN[:9] + ["31"]
    _, findings = neighbours.parse(csv_file(tmp_path / "sn_2025.csv", sn_2025_text([("201", "A", bad)])))
    assert [(x.rule, x.line, x.column) for x in findings] == [("SN-CODE", 2, "SN_10")]


def test_ingest_loads_neighbour_files_and_rejects_a_second_copy_of_a_set(tmp_path: Path) -> None:
    csv_file(tmp_path / "geography" / "New_Statistical_Neighbour_Groupings_April_2021.csv",
             sn_2021_text([("201", "A", TEN)]))
    csv_file(tmp_path / "geography" / "sn_model_2025_wide.csv", sn_2025_text([("201", "A", TEN)]))
    res = read_inputs(tmp_path)
    by_name = {f.name: f for f in res.files}
    old = by_name["geography/New_Statistical_Neighbour_Groupings_April_2021.csv"]
    assert (old.status, old.kind, old.table, old.release, old.rows) == (
        "loaded", "reference", "statistical_neighbours", "sn-2021", 10)
    assert by_name["geography/sn_model_2025_wide.csv"].release == "sn-2025"
    assert not [x for x in res.findings if x.severity == "error"]  # the repeated SNP column is by design
    assert sum(t.num_rows for t in res.tables["statistical_neighbours"]) == 20

    csv_file(tmp_path / "copy" / "sn_model_2025_wide_v2.csv", sn_2025_text([("202", "B", TEN)]))
    res = read_inputs(tmp_path)
    assert "SN-DUPLICATE" in {x.rule for x in res.errors}


def test_the_sets_already_read_are_known_without_reading_the_store_back(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the raw store back mid-ingest would wait for every input so far to be written and read it
    back from the file: the second copy of a set is found without that."""
    csv_file(tmp_path / "a" / "sn_model_2025_wide.csv", sn_2025_text([("201", "A", TEN)]))
    csv_file(tmp_path / "b" / "New_Statistical_Neighbour_Groupings_April_2021.csv", sn_2021_text([("201", "A", TEN)]))
    csv_file(tmp_path / "c" / "sn_model_2025_wide_v2.csv", sn_2025_text([("202", "B", TEN)]))

    def no_reading_back(self, part):  # type: ignore[no-untyped-def]
        raise AssertionError("the store was read back during ingest")

    monkeypatch.setattr(warehouse.RawStore, "part_table", no_reading_back)
    res = read_inputs(tmp_path)
    assert [x.rule for x in res.errors] == ["SN-DUPLICATE"] and res.errors[0].path == "c/sn_model_2025_wide_v2.csv"


def geo(rows: list[tuple]) -> pl.DataFrame:
    cols = ["level", "code", "name", "region_code", "old_la_code", "period_year", "vintage"]
    return pl.DataFrame([dict(zip(cols, r)) for r in rows], schema=areas.GEO_SCHEMA)


def test_la_numbers_map_to_the_code_they_carried_within_each_sets_years() -> None:
    g = geo([("Local authority", "E10000023", "North Yorkshire", "E12000003", "815", 2023, 2024),
             ("Local authority", "E06000065", "North Yorkshire", "E12000003", "815", 2025, 2025),
             ("Local authority", "E06000063", "Cumberland", "E12000002", "942", 2025, 2025),
             ("Local authority", "E10000006", "Cumbria", "E12000002", "909", 2023, 2024)])
    raw = pl.DataFrame({"sn_set": ["2021", "2021", "2025"], "old_la_code": ["815", "909", "815"],
                        "la_name": ["NY", "Cumbria", "NY"], "neighbour_rank": [1, 1, 1],
                        "neighbour_old_code": ["909", "815", "942"], "closeness": ["Close"] * 3})
    sn = neighbours.resolve(raw, g)
    got = {(r["sn_set"], r["area_old_code"]): (r["area_code"], r["neighbour_code"], r["applies_from_year"],
                                                r["applies_to_year"]) for r in sn.iter_rows(named=True)}
    assert got[("2021", "815")] == ("E10000023", "E10000006", None, 2024)
    assert got[("2021", "909")] == ("E10000006", "E10000023", None, 2024)
    assert got[("2025", "815")] == ("E06000065", "E06000063", 2025, None)


def test_areas_carry_reorganisations_joint_figures_and_sub_regions() -> None:
    g = geo([("National", "E92000001", "England", None, None, 2025, 2025),
             ("Regional", "E13000001", "Inner London", None, None, 2025, 2025),
             ("Local authority", "E09000001", "City of London", "E13000001", "201", 2025, 2025),
             ("Local authority", "E10000006", "Cumbria", "E12000002", "909", 2023, 2024),
             ("Local authority", "E06000063", "Cumberland", "E12000002", "942", 2025, 2025),
             ("Local authority", "E06000061 / E06000062", "North / West", "E12000004", "940 / 941", 2025, 2025)])
    a = {r["code"]: r for r in areas.build_areas(g, areas.load_reorganisations()).iter_rows(named=True)}
    assert [r["level"] for r in a.values()][:2] == ["National", "Regional"]
    assert a["E10000006"]["valid_to"] == dt.date(2023, 3, 31) and a["E10000006"]["valid_from"] is None
    assert a["E10000006"]["successor_codes"] == ["E06000063", "E06000064"]
    assert a["E06000063"]["valid_from"] == dt.date(2023, 4, 1)
    assert a["E06000063"]["predecessor_codes"] == ["E10000006"] and "Cumberland" in a["E06000063"]["note"]
    assert a["E06000061 / E06000062"]["note"].startswith("One figure published jointly")
    assert a["E13000001"]["region_code"] == "E12000007"  # Inner London lies in London
    assert a["E09000001"]["region_code"] == "E13000001" and a["E09000001"]["old_la_code"] == "201"


def test_a_reorganisation_entry_must_be_complete(tmp_path: Path) -> None:
    bad = tmp_path / "r.yaml"
    bad.write_text("- date: 2023-04-01\n  kind: merger\n  from: [A]\n  to: [B]\n  why: x\n")
    with pytest.raises(ConfigError, match="kind"):
        areas.load_reorganisations(bad)
    bad.write_text("- date: 2023-04-01\n  kind: code_change\n  from: [A]\n")
    with pytest.raises(ConfigError, match="exactly"):
        areas.load_reorganisations(bad)


def test_declared_reorganisations_are_consistent() -> None:
    changes = areas.load_reorganisations()
    assert {c.kind for c in changes} <= areas.KINDS
    for c in changes:
        assert c.before and c.after and not set(c.before) & set(c.after)
        if c.kind == "code_change":
            assert len(c.before) == len(c.after) == 1


@pytest.mark.slow
def test_real_reference_tables(real_build: Path, raw_dir: Path) -> None:
    con = warehouse.connect(real_build / "carestats.duckdb", read_only=True)
    try:
        area = warehouse.query_pl(con, "select * from areas")
        sn = warehouse.query_pl(con, "select * from ref.statistical_neighbours")
    finally:
        con.close()
    la = area.filter(pl.col("level") == "Local authority")
    assert la["code"].is_unique().all()
    # both sets, ten neighbours for every council in them, every LA number mapped to a GSS code
    counts = sn.group_by("sn_set").agg(pl.col("area_old_code").n_unique(), pl.len())
    assert dict(counts.select("sn_set", "area_old_code").iter_rows()) == {"2021": 156, "2025": 153}
    assert counts["len"].sum() == 10 * (156 + 153)
    assert sn["area_code"].null_count() == 0 and sn["neighbour_code"].null_count() == 0
    # the new councils: only in the 2025 set; the abolished ones only in the 2021 set
    assert set(sn.filter(pl.col("area_old_code").is_in(["942", "943"]))["sn_set"]) == {"2025"}
    assert set(sn.filter(pl.col("area_old_code").is_in(["909", "928", "835"]))["sn_set"]) == {"2021"}
    assert set(sn.filter(pl.col("sn_set") == "2025")["closeness"]) <= {
        "Extremely close", "Very close", "Close", "Somewhat close", "Not close"}
    # every LA number the files publish under two GSS codes is a declared code change, and every
    # declared change is what the files show: the same LA number for a code change, a new one otherwise
    changes = areas.load_reorganisations()
    declared = {frozenset([*c.before, *c.after]) for c in changes if c.kind == "code_change"}
    number = dict(la.select("code", "old_la_code").iter_rows())
    for old, codes in la.group_by("old_la_code").agg(pl.col("code")).iter_rows():
        if len(codes) > 1:
            assert frozenset(codes) in declared, f"LA {old} has codes {codes}: declare the change"
    for c in changes:
        pairs = [(number.get(b), number.get(a)) for b in c.before for a in c.after]
        present = [(b, a) for b, a in pairs if b and a]
        assert present, f"{c.before} -> {c.after} is not in the input files"
        assert all((b == a) == (c.kind == "code_change") for b, a in present)


def test_geography_reads_tables_of_different_columns_as_one_and_keeps_each_rows_level() -> None:
    """Tables that lack the region or LA columns, or the release year, give the rows they have: the
    geography of all the tables at once is that of each table on its own, put together."""
    import pyarrow as pa

    full = pa.table({"time_period": ["202425", "202425", "202425", "202425"],
                     "geographic_level": ["National", "Regional", "Local authority", "Local authority"],
                     "country_code": ["E92000001"] * 4, "country_name": ["England"] * 4,
                     "region_code": ["", "E12000001", "E12000001", "E12000001"],
                     "region_name": ["", "North East", "North East", "North East"],
                     "old_la_code": ["", "", "841", "841"], "new_la_code": ["", "", "E06000005", "E06000005"],
                     "la_name": ["", "", " Darlington ", " Darlington "], "_vintage": [2025, 2025, 2025, 2025]})
    national_only = pa.table({"time_period": ["2019"], "geographic_level": ["National"],
                              "country_code": ["E92000001"], "country_name": ["England"]})
    no_level = pa.table({"time_period": ["2019"], "country_code": ["E92000001"]})
    got = areas.geography({"a": [full], "b": [national_only, no_level]})
    rows = sorted(got.select(list(areas.GEO_SCHEMA)).iter_rows())
    assert rows == sorted([("National", "E92000001", "England", None, None, 2025, 2025),
                           ("Regional", "E12000001", "North East", None, None, 2025, 2025),
                           ("Local authority", "E06000005", "Darlington", "E12000001", "841", 2025, 2025),
                           ("National", "E92000001", "England", None, None, 2019, 0)])
    one_by_one = pl.concat([areas.geography({"a": [full]}), areas.geography({"b": [national_only]})]).unique()
    assert sorted(one_by_one.iter_rows()) == sorted(got.iter_rows())
    assert areas.geography({}).schema == pl.Schema(areas.GEO_SCHEMA)
