"""The SQL registry: staging views and indicators, each one .sql file with a YAML header.

A file starts with a block comment holding YAML metadata, then one SELECT. The header is parsed with
the safe YAML loader (yamltext.py) and checked against the keys below; an unknown or missing key is an
error naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from carestats.core import paths
from carestats.core.errors import ConfigError
from carestats.core.sqlfile import IDENT, as_tuple, check_keys, split_header  # noqa: F401  (IDENT: the CLI checks ids)
from carestats.core.vocabulary import THEMES

UNITS = {"count", "%", "rate per 10,000", "£", "£ thousands", "score", "grade", "ratio", "days", "fte"}
POLARITIES = {"higher_is_better", "lower_is_better", "none"}
METHODS = {"published", "derived"}


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    theme: str
    unit: str
    polarity: str
    decimals: int
    definition: str
    numerator: str
    denominator: str
    sources: tuple[str, ...]
    source_files: tuple[str, ...]
    method: str
    method_note: str
    headline: bool
    order: int
    path: Path
    sql: str
    short_title: str = ""
    notes: str = ""
    same_quantity_as: str = ""  # another indicator whose Total is this one's Total, from another publication

    @property
    def theme_title(self) -> str:
        return THEMES[self.theme]


IND_REQUIRED = {"id", "title", "theme", "unit", "polarity", "decimals", "definition", "numerator",
                "denominator", "sources", "source_files", "method"}
IND_OPTIONAL = {"method_note", "headline", "order", "short_title", "notes", "same_quantity_as"}


def _same_quantity_as(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not IDENT.match(value):
        raise ConfigError(f"{name}: same_quantity_as must be another indicator's id", "e.g. same_quantity_as: cla_ceasing")
    return value


def parse_indicator(path: Path) -> Indicator:
    meta, body = split_header(path)
    name = paths.display(path, paths.RESOURCE_ROOT)
    check_keys(name, meta, IND_REQUIRED, IND_OPTIONAL)
    ind_id = str(meta["id"])
    if ind_id != path.stem or not IDENT.match(ind_id):
        raise ConfigError(f"{name}: id {ind_id!r} must equal the file name and match [a-z][a-z0-9_]*",
                          f"rename the file or set id: {path.stem}")
    checks = [("theme", THEMES), ("unit", UNITS), ("polarity", POLARITIES), ("method", METHODS)]
    for key, allowed in checks:
        if meta[key] not in allowed:
            raise ConfigError(f"{name}: {key} {meta[key]!r} is not one of {', '.join(sorted(allowed))}",
                              f"set {key} to a valid value")
    if not isinstance(meta["decimals"], int) or not 0 <= meta["decimals"] <= 3:
        raise ConfigError(f"{name}: decimals must be a whole number from 0 to 3", "set decimals: 0")
    if meta["method"] == "derived" and not meta.get("method_note"):
        raise ConfigError(f"{name}: a derived indicator must say how it is derived",
                          "add method_note: with the calculation")
    return Indicator(
        id=ind_id, title=str(meta["title"]), theme=meta["theme"], unit=meta["unit"],
        polarity=meta["polarity"], decimals=meta["decimals"], definition=str(meta["definition"]).strip(),
        numerator=str(meta["numerator"]), denominator=str(meta["denominator"]),
        sources=as_tuple(meta["sources"]), source_files=as_tuple(meta["source_files"]),
        method=meta["method"], method_note=str(meta.get("method_note") or "").strip(),
        headline=bool(meta.get("headline", False)), order=int(meta.get("order", 100)),
        short_title=str(meta.get("short_title") or meta["title"]), notes=str(meta.get("notes") or "").strip(),
        same_quantity_as=_same_quantity_as(name, meta.get("same_quantity_as")),
        path=path, sql=body,
    )


def indicator_dirs(extra: list[Path] | None = None) -> list[Path]:
    return [paths.QUERIES_DIR / "indicators", *(extra or [])]


def load_indicators(extra: list[Path] | None = None) -> list[Indicator]:
    found: dict[str, Indicator] = {}
    for folder in indicator_dirs(extra):
        for path in sorted(folder.glob("*.sql")):
            ind = parse_indicator(path)
            if ind.id in found:
                raise ConfigError(f"{path}: indicator {ind.id} is already defined in {found[ind.id].path}",
                                  "give the indicator another id")
            found[ind.id] = ind
    for ind in found.values():
        if ind.same_quantity_as and ind.same_quantity_as not in found:
            raise ConfigError(f"{paths.display(ind.path, paths.RESOURCE_ROOT)}: same_quantity_as names "
                              f"{ind.same_quantity_as}, which is not an indicator", "give an indicator's id")
    return sorted(found.values(), key=lambda i: (list(THEMES).index(i.theme), i.order, i.id))


LOCAL_DIR = "ssda903"  # queries/ssda903/: the indicators computed from a council's own SSDA903 return


def load_local_indicators() -> list[Indicator]:
    """The child-level indicators (queries/ssda903/*.sql): each uses the id of the published indicator it
    reproduces, or a new id for a measure no published table has; their headers give title, unit and
    definition as the published ones do."""
    found = [parse_indicator(p) for p in sorted((paths.QUERIES_DIR / LOCAL_DIR).glob("*.sql"))]
    return sorted(found, key=lambda i: (list(THEMES).index(i.theme), i.order, i.id))


def local_only(published: list[Indicator], local: list[Indicator]) -> list[Indicator]:
    """The child-level measures that no published indicator has (registered so that reports and exports
    know their title, unit and definition)."""
    ids = {i.id for i in published}
    return [i for i in local if i.id not in ids]
