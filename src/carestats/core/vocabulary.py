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

# A text cell starting with one of these is read by a spreadsheet as a formula: every CSV export quotes it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
