"""The seeded SSDA903 generator (carestats.synthetic.ssda903): deterministic, realistic, valid per year."""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from carestats.core.errors import ConfigError
from carestats.core.ssda903 import FILE_NAMES, TABLE_COLUMNS, table_of, year_folder
from carestats.ingest.ssda903 import end_year_of_folder
from carestats.synthetic import ssda903 as gen
from carestats.synthetic.postcodes import POSTCODES

LA = "E10000016"
YEARS = [2021, 2022, 2023, 2024, 2025, 2026]

# The PLACE codes of the validator's rule 146, per ruleset (csc-validator-be-903 0.1.17): the 2024-25 list
# spells K3 in lower case, so no upper-case K3 passes before 2025-26.
PLACE_2023 = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1", "T0",
              "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"}
PLACE_2026 = (PLACE_2023 - {"H5", "P2", "Z1"}) | {"K3", "Z11", "Z12", "Z13", "Z14"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _date(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ssda903")
    gen.generate(out, LA, YEARS, children=1000, seed=0)
    return out


def _table(returns: Path, end_year: int, table: str) -> list[dict[str, str]]:
    return _read(returns / year_folder(end_year) / FILE_NAMES[table])


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_seed_gives_byte_identical_files_and_another_seed_others(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    written = gen.generate(a, LA, [2024, 2025], children=150, seed=3)
    gen.generate(b, LA, [2024, 2025], children=150, seed=3)
    gen.generate(c, LA, [2024, 2025], children=150, seed=4)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert [p.relative_to(a).as_posix() for p in written] == sorted(_digest(a), key=lambda n: (n[:7], [
        FILE_NAMES[t] for t in TABLE_COLUMNS].index(n[8:])))
    assert not list(a.rglob(".*"))  # no partial files left behind


def test_the_files_do_not_depend_on_the_interpreters_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from carestats.synthetic.ssda903 import generate; "
            "generate(Path(sys.argv[1]), 'E10000016', [2025], children=120, seed=9, messy=True)")
    for n, hash_seed in enumerate(("1", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / str(n))], env=env, check=True)
    assert _digest(tmp_path / "0") == _digest(tmp_path / "1")


def test_a_years_files_do_not_depend_on_the_other_years_asked_for(tmp_path: Path) -> None:
    gen.generate(tmp_path / "one", LA, [2025], children=150, seed=1)
    gen.generate(tmp_path / "many", LA, [2022, 2025], children=150, seed=1)
    assert _digest(tmp_path / "one" / "2024-25") == _digest(tmp_path / "many" / "2024-25")


def test_every_table_has_the_validators_columns_and_the_folders_are_named_by_year(returns: Path) -> None:
    for end_year in YEARS:
        folder = returns / year_folder(end_year)
        assert end_year_of_folder(folder.name) == (end_year, False)
        names = {p.name for p in folder.iterdir()}
        expected = {FILE_NAMES[t] for t in TABLE_COLUMNS if t != "SWEpisodes" or end_year >= 2024}
        assert names == expected, end_year
        for path in folder.iterdir():
            header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
            assert table_of(header) is not None and FILE_NAMES[table_of(header)] == path.name


def test_codes_are_the_ones_valid_in_each_collection_year(returns: Path) -> None:
    for end_year in YEARS:
        sexes = {r["SEX"] for r in _table(returns, end_year, "Header")}
        assert sexes == ({"M", "F"} if end_year >= 2025 else {"1", "2"}), end_year
        places = Counter(r["PLACE"] for r in _table(returns, end_year, "Episodes"))
        valid = PLACE_2026 if end_year >= 2026 else PLACE_2023
        assert set(places) <= valid, (end_year, set(places) - valid)
        if end_year >= 2026:
            assert places["K3"] > 0 and places["H5"] == 0
        else:
            assert places["H5"] > 0 and places["K3"] == 0


def test_episode_chains_are_consistent_and_inside_the_year(returns: Path) -> None:
    for end_year in YEARS:
        first, last = date(end_year - 1, 4, 1), date(end_year, 3, 31)
        by_child: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in _table(returns, end_year, "Episodes"):
            by_child[row["CHILD"]].append(row)
        for child, rows in by_child.items():
            rows.sort(key=lambda r: _date(r["DECOM"]))
            for i, row in enumerate(rows):
                start = _date(row["DECOM"])
                assert start <= last
                if row["DEC"]:
                    end = _date(row["DEC"])
                    assert first <= end <= last and end > start and row["REC"]
                else:  # open on 31 March: the child's last episode
                    assert i == len(rows) - 1 and not row["REC"]
                if i:
                    before = rows[i - 1]
                    assert before["DEC"] and _date(before["DEC"]) <= start, (end_year, child)
                    if before["REC"] == "X1":  # the next episode starts the same day, not as a new entry
                        assert _date(before["DEC"]) == start and row["RNE"] != "S"
                    else:  # a new period of care
                        assert row["RNE"] == "S"


def _starters(returns: Path) -> list[dict[str, str]]:
    """The episodes starting a period of care in any year (each once), without short breaks."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for end_year in YEARS:
        for row in _table(returns, end_year, "Episodes"):
            if row["RNE"] == "S" and row["LS"] not in ("V3", "V4") and date(end_year - 1, 4, 1) <= _date(
                    row["DECOM"]):
                seen[(row["CHILD"], row["DECOM"])] = row
    return list(seen.values())


def _shares(counts: Counter, keys: dict) -> dict:  # type: ignore[type-arg]
    total = sum(counts.values())
    return {k: counts[k] / total for k in keys}


def test_the_starters_follow_the_national_proportions(returns: Path) -> None:
    starters = _starters(returns)
    assert len(starters) > 1000
    dob = {}
    for end_year in YEARS:
        for row in _table(returns, end_year, "Header"):
            dob[row["CHILD"]] = _date(row["DOB"])
    bands = Counter()
    for row in starters:
        age = gen._age(dob[row["CHILD"]], _date(row["DECOM"]))
        bands[next(b for b in gen.AGE_ON_STARTING if b[0] <= age < b[1])] += 1
    expected = _shares(Counter(gen.AGE_ON_STARTING), gen.AGE_ON_STARTING)
    for band, share in _shares(bands, gen.AGE_ON_STARTING).items():
        assert share == pytest.approx(expected[band], abs=0.05), band
    legal = Counter("C" if r["LS"].startswith("C") else "L" if r["LS"].startswith("L") else
                    "J" if r["LS"].startswith("J") else "V" for r in starters)
    published = {"C": 10210, "L": 3350, "V": 18980, "J": 510}  # national_cla_started_to_be_looked_after.csv
    for status, share in _shares(legal, published).items():
        assert share == pytest.approx(published[status] / 33050, abs=0.05), status
    uasc = {r["CHILD"] for y in YEARS for r in _table(returns, y, "UASC")}
    assert sum(r["CHILD"] in uasc for r in starters) / len(starters) == pytest.approx(
        gen.UASC_SHARE_STARTING, abs=0.05)


def test_on_31_march_the_placements_and_sexes_are_near_the_national_mix(returns: Path) -> None:
    for end_year in (2024, 2025):
        open_rows = [r for r in _table(returns, end_year, "Episodes") if not r["DEC"] and r["LS"] not in ("V3", "V4")]
        # about `children` looked after during the year: 1 + 1/2.5 of them on 31 March (83630 + 33050)
        assert 600 <= len(open_rows) <= 850, len(open_rows)
        kinds = Counter("foster" if r["PLACE"].startswith("U") else "childrens_home" if r["PLACE"] == "K2"
                        else "supported" if r["PLACE"] in ("H5", "K3") else "parents" if r["PLACE"] == "P1"
                        else "adoption" if r["PLACE"].startswith("A") else "other" for r in open_rows)
        total = sum(gen.PLACEMENT_31_MARCH.values())
        assert kinds["foster"] / len(open_rows) == pytest.approx(gen.PLACEMENT_31_MARCH["foster"] / total, abs=0.08)
        for kind in ("childrens_home", "supported", "parents", "adoption"):
            assert kinds[kind] / len(open_rows) == pytest.approx(gen.PLACEMENT_31_MARCH[kind] / total, abs=0.05)
        sex = Counter(r["SEX"] for r in _table(returns, end_year, "Header")
                      if r["CHILD"] in {o["CHILD"] for o in open_rows})
        boys = sex[gen.sex_code(True, end_year)] / sum(sex.values())
        assert boys == pytest.approx(47720 / 83630, abs=0.06)  # 57 % boys


def test_every_kind_of_event_the_indicators_need_is_there(returns: Path) -> None:
    episodes = [r for y in YEARS for r in _table(returns, y, "Episodes")]
    rne = Counter(r["RNE"] for r in episodes)
    assert {"S", "P", "B", "L"} <= set(rne)
    rec = Counter(r["REC"] for r in episodes)
    for code in ("E4A", "E4B", "E11", "E12", "E13", "E17", "E5", "X1"):
        assert rec[code] > 0, code
    assert sum(rec[c] for c in ("E45", "E46", "E47", "E48")) > 0
    assert {"V3", "V4"} <= {r["LS"] for r in episodes}
    assert {"M", "A"} == {r["MISSING"] for y in YEARS for r in _table(returns, y, "Missing")}
    oc3 = [r for y in YEARS for r in _table(returns, y, "OC3")]
    assert oc3 and {"YES", "NO"} <= {r["IN_TOUCH"] for r in oc3}
    assert all(r["ACTIV"] and r["ACCOM"] for r in oc3)
    for table in ("OC2", "AD1", "PlacedAdoption", "PrevPerm", "Reviews", "UASC"):
        assert _table(returns, 2025, table), table
    assert _table(returns, 2025, "SWEpisodes")


def test_returns_home_are_followed_by_reentries_within_and_beyond_a_year(returns: Path) -> None:
    by_child: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for y in YEARS:
        for row in _table(returns, y, "Episodes"):
            by_child[row["CHILD"]][row["DECOM"]] = row
    gaps = []
    for rows in by_child.values():
        ordered = sorted(rows.values(), key=lambda r: _date(r["DECOM"]))
        for before, after in itertools.pairwise(ordered):
            if before["REC"] in ("E4A", "E4B") and after["RNE"] == "S":
                gaps.append((_date(after["DECOM"]) - _date(before["DEC"])).days)
    assert any(g <= 365 for g in gaps) and any(g > 365 for g in gaps)


def test_some_placements_are_more_than_20_miles_from_home(returns: Path) -> None:
    where = {p[0]: p for code in POSTCODES for p in POSTCODES[code]}
    rows = [r for r in _table(returns, 2025, "Episodes") if r["HOME_POST"] and r["PL_POST"]]
    far = [r for r in rows if gen._miles(where[r["HOME_POST"]], where[r["PL_POST"]]) > 20]
    assert 0.08 < len(far) / len(rows) < 0.4
    # the council's own postcodes are home; UASC have none (the validator's rule 406)
    assert {r["HOME_POST"] for r in rows} <= {p[0] for p in POSTCODES[LA]}


def test_nothing_identifies_a_real_child(returns: Path) -> None:
    for row in _table(returns, 2025, "Header"):
        assert row["CHILD"].startswith(LA[-3:]) and len(row["CHILD"]) == 9
        assert row["UPN"] == "UN1" or (len(row["UPN"]) == 13 and row["UPN"][1:].isdigit())


def test_messy_returns_carry_the_damage_councils_returns_have(tmp_path: Path) -> None:
    gen.generate(tmp_path / "clean", LA, [2025], children=300, seed=2)
    gen.generate(tmp_path / "messy", LA, [2025], children=300, seed=2, messy=True)
    header = _read(tmp_path / "messy" / "2024-25" / "header.csv")
    episodes = _read(tmp_path / "messy" / "2024-25" / "episodes.csv")
    assert any(r["ETHNIC"] == "ZZZZ" for r in header)
    assert any(r["SEX"] == "" for r in header)
    assert any(r["DOB"].startswith("31/02/") for r in header)
    assert any(r["PLACE"] == "Q9" for r in episodes) and any(r["LS"] == "X9" for r in episodes)
    assert any("-" in r["DECOM"] for r in episodes)
    assert any(r["MIS_START"] == "not known" for r in _read(tmp_path / "messy" / "2024-25" / "missing.csv"))
    # overlapping episodes: a child's episode starts before the one before it ended
    rows = [r for r in episodes if r["DECOM"].count("/") == 2]
    overlaps = sum(1 for a, b in itertools.pairwise(rows) if a["CHILD"] == b["CHILD"] and a["DEC"]
                   and a["DEC"].count("/") == 2 and _date(b["DECOM"]) < _date(a["DEC"]))
    assert overlaps > 0
    clean = _read(tmp_path / "clean" / "2024-25" / "episodes.csv")
    assert len(clean) == len(episodes)  # damaged in place: the same rows


@pytest.mark.parametrize("kwargs, message", [
    ({"la_code": "E99999999"}, "no postcodes for council"),
    ({"years": [1990]}, "collection years must be between"),
    ({"years": []}, "collection years must be between"),
    ({"children": 3}, "children must be between"),
])
def test_bad_arguments_give_one_line_errors(tmp_path: Path, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    args = {"la_code": LA, "years": [2025], "children": 100} | kwargs
    with pytest.raises(ConfigError, match=message):
        gen.generate(tmp_path, **args)
    assert not any(tmp_path.iterdir())
