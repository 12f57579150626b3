"""Which indicators the inputs leave empty or incomplete, and the publication each one needs.

From the query headers alone, before anything is computed: each indicator's header names its `sources`
(staging views), each staging view's header names its `raw` tables, and ingest records which raw table
each loaded file filled. An indicator is

- empty when its first source (the view that holds the figure itself) has no loaded raw table: it
  will have no values at all;
- incomplete when another of its sources (a denominator, an earlier series, a breakdown) has none.

`carestats check` and `carestats build` list these, the build ends with a one-line summary, and
`--require-complete` makes both fail when any indicator is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from carestats.core import paths
from carestats.core.errors import DataError
from carestats.core.sqlfile import as_tuple, split_header


@dataclass(frozen=True)
class Gap:
    """One indicator that will be empty or incomplete, and why."""
    indicator: str
    state: str  # "empty" or "incomplete"
    needs: str  # what would fill it: the publication and the files
    absent: tuple[str, ...] = ()  # publications of which no file was loaded at all
    partial: tuple[str, ...] = ()  # publications some of whose files were loaded, but not the ones it needs

    def line(self) -> str:
        return f"{self.indicator}: {self.state}: {self.needs}"


@dataclass
class Completeness:
    total: int
    gaps: list[Gap] = field(default_factory=list)

    @property
    def empty(self) -> list[Gap]:
        return [g for g in self.gaps if g.state == "empty"]

    @property
    def incomplete(self) -> list[Gap]:
        return [g for g in self.gaps if g.state == "incomplete"]

    def summary(self) -> str:
        """One line: '57 indicators: 49 with values, 8 empty (no CIN release)'."""
        parts = [f"{self.total - len(self.empty)} with values"]
        if self.empty:
            absent = sorted({p for g in self.empty for p in g.absent})
            partial = sorted({p for g in self.empty for p in g.partial} - set(absent))
            why = ([f"no {', '.join(absent)} release"] if absent else []) + \
                ([f"files missing from {', '.join(partial)}"] if partial else [])
            parts.append(f"{len(self.empty)} empty ({'; '.join(why)})")
        if self.incomplete:
            parts.append(f"{len(self.incomplete)} incomplete")
        return f"{self.total} indicators: " + ", ".join(parts)

    def lines(self) -> list[str]:
        return [g.line() for g in self.gaps]

    def require(self) -> None:
        """--require-complete: fail when any indicator would be empty."""
        if self.empty:
            names = ", ".join(g.indicator for g in self.empty)
            raise DataError(f"{len(self.empty)} indicator(s) would be empty: {names} ({self.summary()})",
                            "add the release files they need to the input folder, or drop --require-complete")


def staging_tables() -> dict[str, tuple[str, ...]]:
    """Each staging view's raw tables, from the headers in queries/staging/."""
    views = {}
    for path in sorted((paths.QUERIES_DIR / "staging").glob("*.sql")):
        meta, _ = split_header(path)
        views[str(meta.get("id", path.stem))] = as_tuple(meta.get("raw") or ())
    return views


def _workbook_publications() -> dict[str, str]:
    from carestats.core import safe_yaml

    doc = safe_yaml.load((paths.QUERIES_DIR / "workbooks.yaml").read_text(encoding="utf-8")) or {}
    return {str(s["id"]): str(s.get("publication", "")) for s in doc.get("sources") or [] if "id" in s}


def publication(table: str, workbooks: dict[str, str]) -> str:
    """The publication a raw table belongs to: workbooks.yaml for workbook sources, else the first rule
    of queries/publications.yaml whose pattern matches the table's name."""
    if table in workbooks:
        return workbooks[table].upper()
    for rule in _publication_rules():
        if re.search(str(rule["match"]), table):
            return str(rule["publication"]).upper()
    return "EES"


def _publication_rules() -> list[dict]:
    from carestats.core import safe_yaml

    return list(safe_yaml.load((paths.QUERIES_DIR / "publications.yaml").read_text(encoding="utf-8")) or [])


def loaded_tables(files: list, tables: object = None) -> set[str]:  # type: ignore[type-arg]
    """The raw tables ingest filled: its table store's names when at hand (a workbook fills several),
    else each loaded file's table."""
    if tables is not None:
        return {str(t) for t in tables}  # type: ignore[attr-defined]
    return {f.table for f in files if f.status == "loaded" and f.table}


def assess(indicators: list, tables: set[str]) -> Completeness:  # type: ignore[type-arg]
    """The gaps, given the indicators (registry.Indicator) and the raw tables the inputs filled."""
    views = staging_tables()
    workbooks = _workbook_publications()
    present = {publication(t, workbooks) for t in tables}
    gaps = []
    for ind in indicators:
        wanted = [views[s] for s in ind.sources if s in views]
        if not wanted:
            continue
        fed = [any(t in tables for t in raw) for raw in wanted]
        missing = sorted({t for raw, ok in zip(wanted, fed) if not ok for t in raw})
        files_ = ", ".join(ind.source_files) if ind.source_files else ", ".join(missing)
        if not fed[0]:  # the first source holds the figure itself; the others add a denominator, a series
            pubs = sorted({publication(t, workbooks) for t in missing})
            absent = tuple(p for p in pubs if p not in present)
            partial = tuple(p for p in pubs if p in present)
            why = "; ".join(([f"no {' or '.join(absent)} release"] if absent else [])
                            + ([f"the {' or '.join(partial)} files loaded do not hold it"] if partial else []))
            gaps.append(Gap(ind.id, "empty", f"{why}: needs {files_}", absent, partial))
        elif not all(fed):
            gaps.append(Gap(ind.id, "incomplete", f"no input for {', '.join(missing)}: needs {files_}"))
    return Completeness(len(indicators), gaps)


def report(result: Completeness, say, detail) -> None:  # type: ignore[no-untyped-def]
    """One line per gap (through `detail`), then the summary (through `say`)."""
    for line in result.lines():
        detail(line)
    say(result.summary())


