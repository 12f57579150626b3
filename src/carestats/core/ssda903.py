"""The SSDA903 return's layout on disk: its tables (recognised by their columns), year folders and dates.

One place for what the reader, the generator and the validator runner all need to agree on. The columns
are those of the DfE's validator package (`csc-validator-be-903` 0.1.17, `lac_validator/config.py`), which
uses one set of columns for every collection year; the table names are the ones it expects.
"""

from __future__ import annotations

import re

# Table name (as the validator calls it) → its columns, in the order councils export them.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "Episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    "Reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "UASC": ("CHILD", "SEX", "DOB", "DUC"),
    "OC2": ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
            "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED"),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "AD1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "PlacedAdoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "PrevPerm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "Missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "SWEpisodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
}

# The file each table is written to by councils' exports (and by the generator). Names are not trusted on
# reading: tables are recognised by their columns (`table_of`).
FILE_NAMES: dict[str, str] = {
    "Header": "header.csv", "Episodes": "episodes.csv", "UASC": "uasc.csv", "OC2": "oc2.csv",
    "OC3": "oc3.csv", "AD1": "ad1.csv", "PlacedAdoption": "placed_for_adoption.csv",
    "PrevPerm": "previous_permanence.csv", "Missing": "missing.csv", "Reviews": "reviews.csv",
    "SWEpisodes": "sw_episodes.csv",
}

DATE_FORMAT = "%d/%m/%Y"  # DD/MM/YYYY, as the return is exported
_YEAR_FOLDER = re.compile(r"^(\d{4})-(\d{2})$")


def table_of(columns: list[str] | tuple[str, ...]) -> str | None:
    """The table whose columns these are (case and surrounding spaces ignored, order free), or None."""
    found = {c.strip().upper() for c in columns}
    for table, expected in TABLE_COLUMNS.items():
        if found == set(expected):
            return table
    return None


def year_folder(end_year: int) -> str:
    """The folder of the collection year ending 31 March `end_year`: 2025 → '2024-25'."""
    return f"{end_year - 1}-{end_year % 100:02d}"


def folder_end_year(name: str) -> int | None:
    """The end year of a folder named like '2024-25' (the two years must follow each other), else None."""
    match = _YEAR_FOLDER.match(name)
    if not match:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    return start + 1 if (start + 1) % 100 == end else None
