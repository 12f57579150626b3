"""YAML text → Python values, by the safe loader only.

PyYAML's wheels carry libyaml, whose C parser reads the indicator headers and reference files about ten
times faster than the pure-Python one; where it is missing, the pure-Python safe loader gives the same
values. Either way only plain YAML (mappings, lists, strings, numbers, dates) is accepted: a tag such as
!!python/object is an error, never an object.
"""

from __future__ import annotations

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load(text: str):  # type: ignore[no-untyped-def]
    """The value of one YAML document (None when it is empty)."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506  (a safe loader: see above)
