"""One quantity published by two indicators is declared in the indicator's header (same_quantity_as), not
in the report code; the reports pair the two from the headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from carestats.core.errors import ConfigError
from carestats.indicators.registry import load_indicators
from carestats.reports.local_authority import same_quantity


def test_the_reference_pair_comes_from_the_headers() -> None:
    pairs = same_quantity(load_indicators())
    assert pairs == {("cla_ceasing_by_age", "Total"): ("cla_ceasing", "Total"),
                     ("cla_ceasing", "Total"): ("cla_ceasing_by_age", "Total")}


def _user_indicator(folder: Path, value: str) -> None:
    source = (Path(__file__).resolve().parents[1] / "queries" / "indicators" / "cla_count.sql").read_text()
    text = source.replace("id: cla_count", "id: my_count").replace("order: 1\n", f"order: 1\nsame_quantity_as: {value}\n")
    (folder / "my_count.sql").write_text(text, encoding="utf-8")


def test_a_users_indicator_may_declare_one(tmp_path: Path) -> None:
    _user_indicator(tmp_path, "cla_count")
    pairs = same_quantity(load_indicators([tmp_path]))
    assert pairs[("my_count", "Total")] == ("cla_count", "Total") and pairs[("cla_count", "Total")] == ("my_count", "Total")


@pytest.mark.parametrize(("value", "message"), [("no_such_indicator", "not an indicator"),
                                                ("Not An Id", "another indicator's id")])
def test_a_wrong_one_is_an_error_naming_the_file(tmp_path: Path, value: str, message: str) -> None:
    _user_indicator(tmp_path, value)
    with pytest.raises(ConfigError, match=message) as err:
        load_indicators([tmp_path])
    assert "my_count.sql" in str(err.value)
