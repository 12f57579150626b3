"""Every indicator has a given/expect test in tests/indicators/<id>.yaml, and it passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import compare, load_case, run_case

from carestats.indicators.registry import load_indicators

CASES = Path(__file__).parent / "indicators"
INDICATORS = {i.id: i for i in load_indicators()}


@pytest.mark.parametrize("indicator_id", sorted(INDICATORS))
def test_indicator_has_a_case(indicator_id: str) -> None:
    assert (CASES / f"{indicator_id}.yaml").exists(), f"write tests/indicators/{indicator_id}.yaml"


@pytest.mark.parametrize("case_path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_indicator_case(case_path: Path) -> None:
    assert case_path.stem in INDICATORS, f"{case_path.name} tests an indicator that does not exist"
    case = load_case(case_path)
    values = run_case(INDICATORS[case_path.stem], case)
    problems = compare(values, case["expect"])
    assert not problems, "\n".join(problems)
