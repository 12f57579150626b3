"""The words every stage shares: the report's themes, and the publisher's symbols for missing figures."""

from __future__ import annotations

# The themes an indicator belongs to, in report order (an indicator's header names one).
THEMES = {
    "children_in_care": "Children in care",
    "placements": "Placements and stability",
    "missing": "Missing from care",
    "leaving_care": "Leaving care and care leavers",
    "education": "Education and wellbeing",
    "cin": "Children in need and protection",
    "workforce": "Social work workforce",
    "inspection": "Inspection",
    "spending": "Spending",
    "additional": "Additional indicators",
}

# The publisher's symbols for a figure that is not given, and what each means. A symbol is carried to the
# last page as itself: never 0, never a blank.
SYMBOLS = {
    "c": "suppressed to protect confidentiality",
    "k": "rounds to zero, but is not zero",
    "u": "low reliability",
    "x": "not available",
    "z": "not applicable",
    "low": "fewer than a threshold (workforce agency figures)",
}

# Shown where the area or year is not in the files at all (no row): distinct from every symbol above.
NO_DATA = "–"

# Disclosure control (docs/disclosure.md): counts from 1 to this many children, and the shares built on them,
# are shown as the symbol c. The DfE's rule for children's social care statistics; carestats.toml may raise it.
DISCLOSURE_THRESHOLD = 5

# Printed on every page and sheet of the council's internal edition (`--unsuppressed`).
UNSUPPRESSED_MARK = "Contains unsuppressed figures: not for publication"


def edition_mark(unsuppressed: bool) -> str:
    """The marking every page and sheet of an output carries: the unsuppressed edition's warning, or ''."""
    return UNSUPPRESSED_MARK if unsuppressed else ""

# A text cell starting with one of these is read by a spreadsheet as a formula: every CSV export quotes it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
