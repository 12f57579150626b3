from __future__ import annotations

from carestats.cli import docs
from carestats.cli.commands import app
from carestats.indicators.registry import load_indicators


def test_generated_docs_are_up_to_date() -> None:
    assert docs.stale(app) == [], "run `carestats docs --write` (or `make docs`) and commit the result"


def test_every_indicator_and_command_is_documented() -> None:
    text = docs.indicators_md()
    for ind in load_indicators():
        assert f"`{ind.id}`" in text
    cli = docs.cli_md(app)
    for cmd in ("build", "check", "ingest", "stage", "compute", "render", "indicators list", "docs"):
        assert f"`carestats {cmd}`" in cli


def test_stale_docs_are_detected(tmp_path) -> None:
    (tmp_path / "indicators.md").write_text("old\n")
    assert "indicators.md" in docs.stale(app, tmp_path)
