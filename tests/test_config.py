from __future__ import annotations

from pathlib import Path

import pytest

from carestats.core.settings import load
from carestats.core.errors import ConfigError


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
