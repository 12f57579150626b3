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


def test_the_test_case_in_the_guide_to_adding_an_indicator_passes() -> None:
    """docs/adding-an-indicator.md shows a given/expect case: it is run as the indicator tests are."""
    import re
    from pathlib import Path

    import yaml

    from harness import compare, run_case

    guide = (Path(__file__).resolve().parents[1] / "docs" / "adding-an-indicator.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, flags=re.S)
    assert len(blocks) == 1
    named = re.search(r"A short case for `([a-z0-9_]+)`", guide)
    assert named is not None
    ind = {i.id: i for i in load_indicators()}[named.group(1)]
    case = yaml.safe_load(blocks[0])
    assert compare(run_case(ind, case), case["expect"]) == []
