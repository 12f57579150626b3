from __future__ import annotations

from pathlib import Path

import pytest

from carestats.core.errors import ConfigError
from carestats.core.settings import load


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "carestats.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CARESTATS_OUT", raising=False)
    s = load()
    assert s.out == Path("build") and s.areas is None and s.neighbour_set == "auto" and s.source is None


def test_flag_beats_environment_beats_file(tmp_path, monkeypatch) -> None:
    cfg = write(tmp_path, '[report]\nyear = 2023\n[paths]\nout = "from-file"\n')
    monkeypatch.delenv("CARESTATS_YEAR", raising=False)
    monkeypatch.delenv("CARESTATS_OUT", raising=False)
    assert load(cfg).year == 2023
    assert load(cfg).out == tmp_path / "from-file"
    monkeypatch.setenv("CARESTATS_YEAR", "2024")
    assert load(cfg).year == 2024
    assert load(cfg, year=2025).year == 2025


def test_file_is_found_in_the_working_directory(tmp_path, monkeypatch) -> None:
    write(tmp_path, '[branding]\norganisation = "Example Trust"\nprimary_colour = "#123456"\n')
    monkeypatch.chdir(tmp_path)
    s = load()
    assert s.organisation == "Example Trust" and s.primary_colour == "#123456"


@pytest.mark.parametrize("text, message", [
    ("[report]\nyaer = 2025\n", "unknown key 'yaer' in \\[report\\]"),
    ("[reprot]\nyear = 2025\n", "unknown section \\[reprot\\]"),
    ("[report]\nyear = \"soon\"\n", "must be a int"),
    ("[branding]\nprimary_colour = \"blue\"\n", "is not a colour"),
    ("[report]\nareas = [\"Kent\"]\n", "not a local authority code"),
    ("[report]\nsections = { nonsense = false }\n", "unknown section 'nonsense'"),
    ("[paths]\nindicators = [\"nowhere\"]\n", "does not exist"),
    ("[report\n", "not valid TOML"),
])
def test_bad_settings_name_the_key(tmp_path, text, message) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load(write(tmp_path, text))
    if "unknown key" in message:
        assert "valid keys are year, areas" in str(info.value)


def test_sections_can_be_switched_off(tmp_path) -> None:
    s = load(write(tmp_path, "[report]\nsections = { spending = false }\n"))
    assert s.sections["spending"] is False and s.sections["children_in_care"] is True


def test_one_settings_object_holds_the_run_and_the_report_choices(tmp_path) -> None:
    from carestats.core.settings import Settings

    s = load(write(tmp_path, '[report]\nsections = { spending = false }\n[branding]\norganisation = "T"\n'),
             until="compute", reports=False, skip_invalid=True, force=True, jobs=3)
    assert (s.until, s.reports, s.skip_invalid, s.force, s.workers) == ("compute", False, True, True, 3)
    assert "spending" not in dict(s.themes()) and s.logo_uri == ""
    assert s.report_choices()["organisation"] == "T" and s.data_choices() == {"neighbour_set": "auto"}
    # the disclosure choices change only the figures from a council's own returns
    returns = Settings(ssda903=tmp_path, la="E10000016", threshold=7)
    assert returns.data_choices()["threshold"] == 7 and returns.data_choices()["unsuppressed"] is False
    assert Settings().until == "render" and Settings(jobs=0).workers >= 1
    with pytest.raises(ConfigError, match="unknown stage"):
        load(write(tmp_path, ""), until="publish")


def test_build_options_of_older_callers_become_settings(tmp_path) -> None:
    from carestats.core.settings import Settings
    from carestats.pipeline.build import BuildOptions, as_settings

    s = as_settings(BuildOptions(raw=tmp_path, out=tmp_path / "o", reports=False, until="stage",
                                 settings=Settings(jobs=1, areas=["E06000001"])))
    assert isinstance(s, Settings) and (s.raw, s.out, s.reports, s.until) == (tmp_path, tmp_path / "o", False, "stage")
    assert s.jobs == 1 and s.areas == ["E06000001"]
