"""The SSDA903 return's layout on disk: its tables (recognised by their columns), year folders and dates.

One place for what the reader, the generator and the validator runner all need to agree on. The columns
are those of the DfE's validator package (`csc-validator-be-903` 0.1.17, `lac_validator/config.py`), which
uses one set of columns for every collection year; the table names are the ones it expects.
"""

from __future__ import annotations

# The DfE's columns of each table of the return, in the order councils export them, by carestats' table name
# (which is also the file name councils' exports give it). The one list: the reader recognises a CSV by
# them, the generator writes them and the validator is handed them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "oc2": ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
            "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED"),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "placed_for_adoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "previous_permanence": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}
# What the validator calls each table it checks (it has no rules on dolo).
VALIDATOR_NAMES: dict[str, str] = {
    "header": "Header", "episodes": "Episodes", "reviews": "Reviews", "uasc": "UASC", "oc2": "OC2",
    "oc3": "OC3", "ad1": "AD1", "placed_for_adoption": "PlacedAdoption", "previous_permanence": "PrevPerm",
    "missing": "Missing", "sw_episodes": "SWEpisodes",
}
# Table name (as the validator calls it) → its columns; and the file each is written to by councils' exports
# (and by the generator). Names are not trusted on reading: tables are recognised by their columns.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {v: COLUMNS[k] for k, v in VALIDATOR_NAMES.items()}
FILE_NAMES: dict[str, str] = {v: f"{k}.csv" for k, v in VALIDATOR_NAMES.items()}

DATE_FORMAT = "%d/%m/%Y"  # DD/MM/YYYY, as the return is exported


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
