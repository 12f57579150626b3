"""The SSDA903 measurements of `make bench`: the DfE's validation rules on generated council returns.

    python benchmarks/ssda903.py --returns DIR --la E10000016 --years 2021,2022,2023,2024,2025

validates the year folders DIR/<YYYY-YY> of the given end years in one run of the validator (as `carestats
demo` and a build do) and prints one line a year. `run.py` generates DIR once (carestats.synthetic.ssda903,
1,000 children a year by default) and times this script for one year and for five.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from carestats.check.ssda903_validator import validate_years
from carestats.core.ssda903 import year_folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--returns", type=Path, required=True, help="folder of year folders (YYYY-YY)")
    ap.add_argument("--la", default="E10000016", help="the council's code")
    ap.add_argument("--years", required=True, help="end years, comma-separated")
    args = ap.parse_args(argv)
    years = [int(y) for y in args.years.split(",") if y.strip()]
    for result in validate_years([(args.returns / year_folder(y), y) for y in years], args.la):
        print(f"{year_folder(result.end_year)}: {result.rules} rules, {result.error_count} findings, "
              f"{len(result.could_not_run)} could not run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
