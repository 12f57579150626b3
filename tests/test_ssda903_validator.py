"""The DfE's SSDA903 rules (csc-validator-be-903) on generated returns, run in the validator's own environment.

The tests marked `validator903` need .venv-903, which `make setup` (and so `make test`) creates; without it
they fail with the command to run, never skip.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carestats.check import ssda903_runner as runner
from carestats.check.ssda903_validator import ENV_VAR, validate, validate_years, validator_python, write_csv
from carestats.core.errors import CarestatsError
from carestats.core.ssda903 import FILE_NAMES
from carestats.synthetic import ssda903 as gen

LA = "E10000016"


@pytest.fixture(scope="module")
def validator_env() -> Path:
    python = validator_python()
    if not python.is_file():
        pytest.fail(f"the SSDA903 validator's environment is missing ({python}): run `make setup` "
                    f"(or set {ENV_VAR})", pytrace=False)
    return python


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory, validator_env: Path):  # type: ignore[no-untyped-def]
    """One run of the validator over three folders of the same council-year: clean, messy, and clean with
    its files renamed (and a file that is no table)."""
    base = tmp_path_factory.mktemp("v903")
    gen.generate(base / "clean", LA, [2024, 2025], children=300, seed=5)
    gen.generate(base / "messy", LA, [2024, 2025], children=300, seed=5, messy=True)
    for year in ("2023-24", "2024-25"):
        renamed = base / "renamed" / year
        renamed.mkdir(parents=True)
        for n, path in enumerate(sorted((base / "clean" / year).iterdir())):
            shutil.copy(path, renamed / f"export_{n}.csv")
    (renamed / "notes.csv").write_text("note,author\nchecked,me\n", encoding="utf-8")
    results = validate_years([(base / "clean" / "2024-25", 2025), (base / "messy" / "2024-25", 2025),
                              (renamed, 2025)], LA)
    return base, dict(zip(("clean", "messy", "renamed"), results, strict=True))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _lines_where(path: Path, test) -> set[int]:  # type: ignore[no-untyped-def]
    return {i + 2 for i, row in enumerate(_rows(path)) if test(row)}


@pytest.mark.validator903
def test_the_real_rules_run_on_a_generated_year(validated) -> None:  # type: ignore[no-untyped-def]
    _, results = validated
    clean = results["clean"]
    assert clean.ruleset == "lac2024_25" and clean.rules >= 300
    # A clean return breaks none of the rules on codes, dates and chains that the messy one breaks.
    damage_rules = {"101", "103", "144", "146", "167", "141", "501", "502", "1006"}
    assert not {f.rule for f in clean.findings} & damage_rules
    assert clean.error_count < results["messy"].error_count


@pytest.mark.validator903
def test_messy_data_gives_findings_located_by_file_and_line(validated) -> None:  # type: ignore[no-untyped-def]
    base, results = validated
    messy = results["messy"]
    folder = base / "messy" / "2024-25"
    where: dict[tuple[str, str], set[int]] = {}
    for f in messy.findings:
        where.setdefault((f.path, f.rule), set()).add(f.line)
    header, episodes = folder / "header.csv", folder / "episodes.csv"
    expected = {
        ("header.csv", "103"): _lines_where(header, lambda r: r["ETHNIC"] == "ZZZZ"),  # code outside the list
        ("header.csv", "101"): _lines_where(header, lambda r: r["SEX"] == ""),  # missing value
        ("episodes.csv", "146"): _lines_where(episodes, lambda r: r["PLACE"] == "Q9"),
        ("episodes.csv", "144"): _lines_where(episodes, lambda r: r["LS"] == "X9"),
        ("reviews.csv", "167"): _lines_where(folder / "reviews.csv", lambda r: r["REVIEW_CODE"] == "PN9"),
    }
    for (name, rule), lines in expected.items():
        assert lines, (name, rule)
        assert lines <= where.get((f"2024-25/{name}", rule), set()), (name, rule)
    # unreadable dates are found on their own lines, whatever rule finds them
    located = {(f.path, f.line) for f in messy.findings}
    for name, column, bad in (("episodes.csv", "DECOM", lambda v: "-" in v),
                              ("header.csv", "DOB", lambda v: v.startswith("31/02/")),
                              ("missing.csv", "MIS_START", lambda v: v == "not known")):
        lines = _lines_where(folder / name, lambda r, c=column, b=bad: b(r[c]))
        assert lines and all((f"2024-25/{name}", line) in located for line in lines), name
    # overlapping episodes (a start before the previous episode's end) are reported by rule 502 or 501
    assert {"501", "502"} & {f.rule for f in messy.findings if f.path.endswith("episodes.csv")}
    for f in messy.findings:
        assert f.path.startswith("2024-25/") and 2 <= f.line <= len((base / "messy" / f.path).read_text().splitlines())


@pytest.mark.validator903
def test_a_rule_that_crashes_is_reported_as_could_not_run(validated) -> None:  # type: ignore[no-untyped-def]
    _, results = validated
    reasons = dict(results["clean"].could_not_run)
    # In csc-validator-be-903 0.1.17, rule 231 of the 2024-25 rules needs a column no return has.
    assert "231" in reasons and "KeyError" in reasons["231"]
    assert "231" not in {f.rule for f in results["clean"].findings}
    rows = results["clean"].rows()
    assert ("", 0, "231", f"could not run: {reasons['231']}") in rows


@pytest.mark.validator903
def test_tables_are_recognised_by_their_columns_not_their_names(validated) -> None:  # type: ignore[no-untyped-def]
    base, results = validated
    clean, renamed = results["clean"], results["renamed"]
    names = {f"export_{n}.csv": p.name for n, p in enumerate(sorted((base / "clean" / "2024-25").iterdir()))}
    as_clean = sorted((f"2024-25/{names[f.path.split('/')[1]]}", f.line, f.rule)
                      for f in renamed.findings if f.rule != "903-TABLE")
    assert as_clean == sorted((f.path, f.line, f.rule) for f in clean.findings)
    notes = [f for f in renamed.findings if f.rule == "903-TABLE"]
    assert [(f.path, f.line, f.severity) for f in notes] == [("2024-25/notes.csv", 1, "warning")]
    assert renamed.error_count == clean.error_count


@pytest.mark.validator903
def test_no_child_identifier_reaches_a_finding_or_the_csv(validated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, results = validated
    secrets = set()
    for kind in ("clean", "messy"):
        for table in ("Header", "Episodes", "UASC", "OC3", "Missing"):
            for row in _rows(base / kind / "2024-25" / FILE_NAMES[table]):
                secrets.update(row[c] for c in ("CHILD", "DOB", "UPN", "HOME_POST", "PL_POST") if row.get(c))
    secrets -= {"UN1"}
    written = write_csv(list(results.values()), tmp_path / "ssda903" / "validation.csv")
    text = written.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "file,line,rule,message"
    for secret in secrets:
        assert secret not in text
    for result in results.values():
        for code, reason in result.could_not_run:
            assert not any(s in reason for s in secrets)


@pytest.mark.validator903
def test_demo_generates_validates_and_says_what_it_builds(tmp_path: Path, validator_env: Path, raw_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With the published files named by --raw (the default folders empty here), the demo also renders the
    council's report."""
    from carestats.cli.commands import app
    from carestats.core import paths

    monkeypatch.delenv("CARESTATS_RAW", raising=False)
    monkeypatch.setattr(paths, "LOCAL_RAW", tmp_path / "no-local")
    monkeypatch.setattr(paths, "SHARED_RAW", tmp_path / "no-shared")
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--children", "40",
                                      "--raw", str(raw_dir)])
    assert result.exit_code == 0, result.output
    assert "the council's report: " in result.output and (
        tmp_path / "demo" / "build" / "reports" / "la" / "E10000016-kent-2025.pdf").is_file()
    assert sorted(p.name for p in (tmp_path / "demo" / "returns").iterdir()) == [
        "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"]
    rows = _rows(tmp_path / "demo" / "build" / "ssda903" / "validation.csv")
    assert rows and {r["file"][:7] for r in rows if r["file"]} <= {"2020-21", "2021-22", "2022-23", "2023-24",
                                                                 "2024-25"}
    assert "indicators →" in result.output
    assert (tmp_path / "demo" / "build" / "indicators" / "local_indicator_values.csv").is_file()


def test_demo_takes_the_published_files_from_raw_and_names_a_wrong_folder(tmp_path: Path) -> None:
    """--raw (or CARESTATS_RAW) says where the published files are, as for `build`; a folder that is not
    there is one clear error before anything is written."""
    from carestats.cli.commands import app

    assert "--raw" in CliRunner().invoke(app, ["demo", "--help"]).output
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--raw", str(tmp_path / "nowhere")])
    assert result.exit_code != 0 and "is not a folder" in str(result.exception), result.output
    assert not (tmp_path / "demo").exists()


def test_a_missing_validator_environment_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen.generate(tmp_path, LA, [2025], children=20)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-venv" / "bin" / "python"))
    with pytest.raises(CarestatsError, match=r"environment is missing .* run `make setup`"):
        validate(tmp_path / "2024-25", LA, 2025)


def test_a_folder_without_tables_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, __import__("sys").executable)
    (tmp_path / "2024-25").mkdir()
    with pytest.raises(CarestatsError, match="no SSDA903 tables found"):
        validate(tmp_path / "2024-25", LA, 2025)


def test_an_xml_only_year_folder_says_to_export_csv_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, __import__("sys").executable)
    (tmp_path / "2024-25").mkdir()
    (tmp_path / "2024-25" / "return.xml").write_text("<Message/>", encoding="utf-8")
    with pytest.raises(CarestatsError, match="the return is an XML file"):
        validate(tmp_path / "2024-25", LA, 2025)


def test_the_runner_maps_rows_to_the_lines_they_start_on() -> None:
    text = 'CHILD,DOB\n1,01/01/2010\n\n2,"two\nlines"\n3,01/01/2012\n'
    assert runner.record_lines(text) == [2, 4, 6]  # the blank line 3 is skipped, as pandas skips it


def test_the_runner_picks_the_nearest_ruleset_and_scrubs_reasons() -> None:
    assert runner.ruleset_for(2025) == "lac2024_25"
    assert runner.ruleset_for(2019) == "lac2022_23"
    assert runner.ruleset_for(2031) == "lac2026_27"
    assert runner._scrub("KeyError: child 016000123 born 01/02/2010", {"016000123", "01/02/2010"}) == (
        "KeyError: child … born …")
