"""The SQL registry: staging views and indicators, each one .sql file with a YAML header.

A file starts with a block comment holding YAML metadata, then one SELECT. The header is parsed with
the safe YAML loader (yamltext.py) and checked against the keys below; an unknown or missing key is an
error naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


from carestats import paths, yamltext
from carestats.errors import ConfigError

HEADER = re.compile(r"\A\s*/\*(.*?)\*/(.*)\Z", re.S)
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
FORBIDDEN = re.compile(
    r"\b(attach|copy|export|import|install|load|pragma|create|drop|alter|insert|update|delete|set|call)\b",
    re.I,
)

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

    @property
    def theme_title(self) -> str:
        return THEMES[self.theme]


@dataclass(frozen=True)
class StagingView:
    id: str
    description: str
    raw: tuple[str, ...]
    columns: tuple[str, ...]
    measures: tuple[str, ...]
    path: Path
    sql: str
    extra: dict = field(default_factory=dict)


def split_header(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = HEADER.match(text)
    name = paths.display(path, paths.PROJECT_ROOT)
    if not m:
        raise ConfigError(f"{name}: no metadata header", "start the file with a /* … */ block of YAML")
    try:
        meta = yamltext.load(m.group(1))
    except yamltext.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        raise ConfigError(f"{name}:{line}: the metadata header is not valid YAML", str(exc).splitlines()[0]) from exc
    if not isinstance(meta, dict):
        raise ConfigError(f"{name}: the metadata header must be a YAML mapping", "see docs/adding-an-indicator.md")
    body = m.group(2).strip().rstrip(";").strip()
    if not re.match(r"(?is)^(with|select)\b", _strip_strings(body).strip()):
        raise ConfigError(f"{name}: the query must be a single SELECT (or WITH … SELECT)", "remove other statements")
    if ";" in _strip_strings(body):
        raise ConfigError(f"{name}: the query holds more than one statement", "keep one SELECT per file")
    bad = FORBIDDEN.search(_strip_strings(body))
    if bad:
        raise ConfigError(f"{name}: the query uses {bad.group(1).upper()}, which is not allowed",
                          "a query file may only read the warehouse with SELECT")
    return meta, body


def _strip_strings(sql: str) -> str:
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def _check_keys(name: str, meta: dict, required: set[str], optional: set[str]) -> None:
    unknown = set(meta) - required - optional
    if unknown:
        raise ConfigError(f"{name}: unknown header key(s) {', '.join(sorted(unknown))}",
                          f"valid keys are {', '.join(sorted(required | optional))}")
    missing = required - set(meta)
    if missing:
        raise ConfigError(f"{name}: missing header key(s) {', '.join(sorted(missing))}",
                          "every indicator states its full metadata (see docs/adding-an-indicator.md)")


def _as_tuple(v: object) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)  # type: ignore[union-attr]


IND_REQUIRED = {"id", "title", "theme", "unit", "polarity", "decimals", "definition", "numerator",
                "denominator", "sources", "source_files", "method"}
IND_OPTIONAL = {"method_note", "headline", "order", "short_title", "notes"}


def parse_indicator(path: Path) -> Indicator:
    meta, body = split_header(path)
    name = paths.display(path, paths.PROJECT_ROOT)
    _check_keys(name, meta, IND_REQUIRED, IND_OPTIONAL)
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
        sources=_as_tuple(meta["sources"]), source_files=_as_tuple(meta["source_files"]),
        method=meta["method"], method_note=str(meta.get("method_note") or "").strip(),
        headline=bool(meta.get("headline", False)), order=int(meta.get("order", 100)),
        short_title=str(meta.get("short_title") or meta["title"]), notes=str(meta.get("notes") or "").strip(),
        path=path, sql=body,
    )


STG_REQUIRED = {"id", "description", "raw"}
STG_OPTIONAL = {"columns", "measures"}


def parse_staging(path: Path) -> StagingView:
    meta, body = split_header(path)
    name = paths.display(path, paths.PROJECT_ROOT)
    _check_keys(name, meta, STG_REQUIRED, STG_OPTIONAL)
    if meta["id"] != path.stem or not IDENT.match(str(meta["id"])):
        raise ConfigError(f"{name}: id must equal the file name", f"set id: {path.stem}")
    raw = _as_tuple(meta["raw"])
    for t in raw:
        if not IDENT.match(t):
            raise ConfigError(f"{name}: raw table {t!r} is not a valid name", "use the normalised file name")
    return StagingView(
        id=str(meta["id"]), description=str(meta["description"]).strip(), raw=raw,
        columns=_as_tuple(meta.get("columns")), measures=_as_tuple(meta.get("measures")), path=path, sql=body,
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
    return sorted(found.values(), key=lambda i: (list(THEMES).index(i.theme), i.order, i.id))


def load_staging() -> list[StagingView]:
    return [parse_staging(p) for p in sorted((paths.QUERIES_DIR / "staging").glob("*.sql"))]
