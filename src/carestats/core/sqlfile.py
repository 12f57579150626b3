"""A query file: one SELECT after a block comment of YAML metadata, read safely.

Staging views (warehouse/staging.py) and indicators (indicators/registry.py) are both written this way.
The header is parsed with the safe YAML loader; the body must be a single SELECT that only reads.
"""

from __future__ import annotations

import re
from pathlib import Path

from carestats.core import paths, safe_yaml
from carestats.core.errors import ConfigError

HEADER = re.compile(r"\A\s*/\*(.*?)\*/(.*)\Z", re.S)
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
FORBIDDEN = re.compile(
    r"\b(attach|copy|export|import|install|load|pragma|create|drop|alter|insert|update|delete|set|call)\b",
    re.I,
)


def split_header(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = HEADER.match(text)
    name = paths.display(path, paths.RESOURCE_ROOT)
    if not m:
        raise ConfigError(f"{name}: no metadata header", "start the file with a /* … */ block of YAML")
    try:
        meta = safe_yaml.load(m.group(1))
    except safe_yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        raise ConfigError(f"{name}:{line}: the metadata header is not valid YAML", str(exc).splitlines()[0]) from exc
    if not isinstance(meta, dict):
        raise ConfigError(f"{name}: the metadata header must be a YAML mapping", "see docs/adding-an-indicator.md")
    body = m.group(2).strip().rstrip(";").strip()
    if not re.match(r"(?is)^(with|select)\b", strip_strings(body).strip()):
        raise ConfigError(f"{name}: the query must be a single SELECT (or WITH … SELECT)", "remove other statements")
    if ";" in strip_strings(body):
        raise ConfigError(f"{name}: the query holds more than one statement", "keep one SELECT per file")
    bad = FORBIDDEN.search(strip_strings(body))
    if bad:
        raise ConfigError(f"{name}: the query uses {bad.group(1).upper()}, which is not allowed",
                          "a query file may only read the warehouse with SELECT")
    return meta, body


def strip_strings(sql: str) -> str:
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def check_keys(name: str, meta: dict, required: set[str], optional: set[str]) -> None:
    unknown = set(meta) - required - optional
    if unknown:
        raise ConfigError(f"{name}: unknown header key(s) {', '.join(sorted(unknown))}",
                          f"valid keys are {', '.join(sorted(required | optional))}")
    missing = required - set(meta)
    if missing:
        raise ConfigError(f"{name}: missing header key(s) {', '.join(sorted(missing))}",
                          "every indicator states its full metadata (see docs/adding-an-indicator.md)")


def as_tuple(v: object) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)  # type: ignore[union-attr]
