"""`carestats report` and `render` reuse an unchanged report as `build` does, and say how many other
reports in the folder were made with other settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_atomic import write_release
from typer.testing import CliRunner

from carestats.cli.commands import app

runner = CliRunner()


SETTINGS = '[report]\nareas = ["E06000001"]\njobs = 1\n'


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reuse")
    write_release(root / "raw")
    (root / "carestats.toml").write_text(SETTINGS, encoding="utf-8")
    res = runner.invoke(app, ["--config", str(root / "carestats.toml"), "-q", "build", "--raw", str(root / "raw"),
                              "--out", str(root / "out")])
    assert res.exit_code == 0, res.output
    return root / "out"


@pytest.fixture
def out(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(built, tmp_path / "out")
    shutil.copytree(built.parent / "raw", tmp_path / "raw")
    (tmp_path / "carestats.toml").write_text(SETTINGS, encoding="utf-8")
    monkeypatch.setenv("CARESTATS_CONFIG", str(tmp_path / "carestats.toml"))
    return tmp_path / "out"


@pytest.fixture
def pdfs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from carestats.reports import render

    made: list[str] = []
    real = render.html_to_pdf

    def counted(html, target, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(target.name)
        return real(html, target, *args, **kwargs)

    monkeypatch.setattr(render, "html_to_pdf", counted)
    return made


def test_report_twice_renders_once_and_says_reused(out: Path, pdfs: list[str]) -> None:
    first = runner.invoke(app, ["report", "--area", "middlesbrough", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "wrote" in first.output and pdfs == ["E06000002-middlesbrough-2025.pdf"]
    target = out / "reports" / "la" / "E06000002-middlesbrough-2025.pdf"
    before = target.read_bytes()
    again = runner.invoke(app, ["report", "--area", "E06000002", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "reused (unchanged)" in again.output and len(pdfs) == 1
    assert target.read_bytes() == before


def test_a_report_the_build_made_is_reused_by_report(out: Path, pdfs: list[str]) -> None:
    res = runner.invoke(app, ["report", "--area", "hartlepool", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "reused (unchanged)" in res.output and pdfs == [] and "1 unchanged" in res.output
    assert "the 1 other report(s)" in res.output and "made with these settings" in res.output


def test_render_with_other_settings_says_how_many_others_differ(out: Path, tmp_path: Path, pdfs) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "other.toml"
    config.write_text(SETTINGS + '[branding]\norganisation = "Other Trust"\n', encoding="utf-8")
    res = runner.invoke(app, ["--config", str(config), "report", "--area", "hartlepool", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and pdfs == ["E06000001-hartlepool-2025.pdf"]
    assert "1 other report(s)" in res.output and "made with other settings" in res.output
    # the build sees the re-rendered report no longer matches its record, and makes it again
    build = runner.invoke(app, ["build", "--raw", str(out.parent / "raw"), "--out", str(out)])
    assert build.exit_code == 0, build.output
    assert "(up to date)" not in build.output and pdfs == ["E06000001-hartlepool-2025.pdf"] * 2
