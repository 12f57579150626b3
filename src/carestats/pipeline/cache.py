"""Incremental builds: what each stage's outputs depend on, as keys, and whether earlier outputs still stand.

The keys are sha256 hex digests of content (never of times or absolute paths), so a clean build and an
incremental one record the same keys in manifest.json:

- the data key: every input file, every query and indicator file, the carestats source, the package
  versions and the settings that change figures. Equal keys mean the warehouse and the exports would come
  out the same, so the previous build's are reused.
- a report's inputs key: the data key, the code, the report settings, the assets and the templates that
  report reaches. Equal keys mean the same HTML, so the earlier PDF is reused without making the HTML.
- a report key: the report's rendered HTML, every asset the renderer may fetch (CSS, images, the logo),
  the renderer's versions (its Python packages, its system libraries and the installed fonts) and PDF
  options. Equal keys mean the same PDF bytes: this catches the reports that new data (or a template
  change) leaves as they were.
- the build key: the data key and everything else a report can depend on (templates, report settings,
  the renderer's system libraries and fonts). Equal keys mean there is nothing to do at all.

This module imports no heavy library, so a no-op build answers in a fraction of a second.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from carestats.core import paths
from carestats.core.fingerprint import (  # noqa: F401  (re-exported for the pipeline)
    FORMAT,
    Key,
    files_under,
    font_files,
    place,
    report_key,
    sha256_file,
    system_versions,
    versions,
)

if TYPE_CHECKING:
    from carestats.core.settings import Settings

MANIFEST = "manifest.json"

WAREHOUSE = paths.WAREHOUSE_NAME
REPORTS = "reports/"  # outputs under this folder belong to the render stage, everything else to the data stage
SITE = "site/"  # the web edition (reports/site.py): made with the reports, never reused as a data output
RENDERER = "reports/render.py"  # the code between a report's HTML and its PDF bytes
TEMPLATE_SOURCES = (".j2",)  # template files that shape the HTML; every other file there is an asset


def _source(key: Key) -> Key:
    """The code and the software: a change to either may change any output."""
    key.add_files("src", paths.PACKAGE_DIR, lambda p: p.suffix == ".py")
    return key.add_json("versions", versions())


def _data_stage(until: str) -> str:
    """`compute`, `build --no-reports` and `build` make the same data outputs; `ingest` and `stage` fewer."""
    return until if until in ("ingest", "stage") else "compute"


def data_key(raw: Path, indicator_dirs: list[Path], until: str, skip_invalid: bool, settings: Settings) -> str:
    """What the warehouse and the exports depend on."""
    key = _source(Key("data"))
    if raw is not None:
        key.add_files("raw", raw)
    key.add_files("queries", paths.QUERIES_DIR)
    for i, folder in enumerate(indicator_dirs):
        key.add_files(f"indicators{i}", folder)
    if settings.ssda903 is not None:
        key.add_files("ssda903", settings.ssda903)
    return key.add_json("options", {"stage": _data_stage(until), "skip_invalid": skip_invalid,
                                    **settings.data_choices()}).hexdigest()


def _template_files(key: Key, template_dirs: list[Path], keep) -> Key:  # type: ignore[no-untyped-def]
    """The user's folders in order, then the built-ins: a user's file shadows the built-in of that name."""
    for i, folder in enumerate([*template_dirs, paths.TEMPLATES_DIR]):
        key.add_files(f"templates{i}", folder, keep)
    return key


def _system(key: Key) -> Key:
    """The renderer's system libraries (pango, harfbuzz, fontconfig) and every installed font: an update
    to any of them may change the bytes of every PDF."""
    key.add_json("system", system_versions())
    for font in font_files():
        key.add(f"font:{font.as_posix()}", sha256_file(font))
    return key


def _logo(key: Key, logo: object) -> Key:
    return key.add("logo", sha256_file(Path(str(logo))) if logo and Path(str(logo)).is_file() else "")


def asset_key(template_dirs: list[Path], logo: object, pdf_options: dict, epoch: str) -> str:
    """Everything besides a report's HTML that shapes its PDF: assets, logo, renderer, PDF options, date.

    Assets are keyed by name and content only, folder by folder: a user's folder of templates alone (no
    CSS or images) leaves the key as it was, so reports it does not change are reused. Of the code, only
    the module that turns HTML into PDF counts: all the rest shows in the HTML, so a change elsewhere in
    carestats re-renders only the reports whose HTML it changes.
    """
    key = Key("assets").add("renderer", sha256_file(paths.PACKAGE_DIR / RENDERER)).add_json("versions", versions())
    _system(key)
    for folder in [*template_dirs, paths.TEMPLATES_DIR]:
        key.add_files("asset", folder, lambda p: p.suffix not in TEMPLATE_SOURCES)
    return _logo(key, logo).add_json("pdf", pdf_options).add("epoch", epoch).hexdigest()


def template_closure(env, root: str, template_dirs: list[Path]) -> str:  # type: ignore[no-untyped-def]
    """The sources of `root` and of every template it extends, includes or imports, as the loader finds them.

    When a template names another by an expression (which jinja2.meta cannot follow), every template file
    counts instead.
    """
    from jinja2 import meta

    sources: dict[str, str] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        if name not in sources:
            sources[name] = env.loader.get_source(env, name)[0]
            refs = list(meta.find_referenced_templates(env.parse(sources[name])))
            if None in refs:
                return _template_files(Key("templates"), template_dirs, lambda p: True).hexdigest()
            todo.extend(refs)
    key = Key("templates")
    for name in sorted(sources):
        key.add(name, sources[name])
    return key.hexdigest()


def html_basis(data: str, settings: Settings, assets: str) -> str:
    """What every report's HTML depends on besides its templates: the data, the code, the report settings."""
    return _source(Key("html")).add("data", data).add("assets", assets).add_json(
        "settings", settings.report_choices()).hexdigest()


def html_inputs_key(basis: str, templates: str, task: tuple[str, str, str]) -> str:
    """A key for one report known before its HTML is made: equal keys mean equal HTML, so equal PDFs."""
    return Key("report-inputs").add("basis", basis).add("templates", templates).add_json("task", task).hexdigest()


def build_key(data: str, template_dirs: list[Path], settings: Settings, reports: bool, until: str,
              site: bool = False) -> str:
    """What the whole build depends on: when it is unchanged and the outputs are intact, nothing is done.

    Templates and report settings count only when reports are made, so a build without reports records
    the same key however it was asked for.
    """
    key = Key("build").add("data", data).add_json("stages", {"reports": reports, "site": site, "until": until})
    if not ((reports or site) and until == "render"):
        return key.hexdigest()
    chosen = settings.report_choices()
    return _logo(_template_files(_system(key), template_dirs, lambda p: True), chosen["logo"]).add_json(
        "settings", chosen).hexdigest()


@dataclass
class Recorded:
    """An input file as the previous build's manifest recorded it (the fields of ingest.InputFile)."""
    name: str
    sha256: str = ""
    size: int = 0
    rows: int = 0
    release: str = ""
    table: str = ""
    status: str = "unused"
    reason: str = ""
    encoding: str = ""

    @classmethod
    def from_manifest(cls, entry: dict) -> Recorded:
        fields = {k: v for k, v in entry.items() if k in cls.__dataclass_fields__}
        return cls(**fields, size=int(entry.get("bytes", 0)))


@dataclass
class Previous:
    """The build already in the output folder, as its manifest describes it."""
    folder: Path
    doc: dict
    written_ns: int  # when the manifest was written: outputs not modified since are trusted without hashing

    @classmethod
    def load(cls, out: Path) -> Previous | None:
        """None when there is no usable previous build (none, unreadable, or made before incremental builds)."""
        target = out / MANIFEST
        try:
            doc = json.loads(target.read_text(encoding="utf-8"))
            stamp = target.stat().st_mtime_ns
        except (OSError, ValueError):
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("cache"), dict) \
                or not isinstance(doc.get("outputs"), dict):
            return None
        return cls(out, doc, stamp)

    def key(self, name: str) -> str:
        return str(self.doc["cache"].get(name) or "")

    @property
    def outputs(self) -> dict[str, dict]:
        return self.doc["outputs"]

    def intact(self, rel: str) -> bool:
        """The output is there with the recorded size, and either untouched since the build or of the same hash."""
        record, path = self.outputs.get(rel), self.folder / rel
        try:
            st = path.stat()
        except OSError:
            return False
        if not isinstance(record, dict) or st.st_size != record.get("bytes"):
            return False
        return st.st_mtime_ns <= self.written_ns or sha256_file(path) == record.get("sha256")

    def all_intact(self) -> bool:
        """Every recorded output intact. Files the build did not make (a user's notes, build/lib, diff/)
        are not its outputs: a build neither needs nor touches them."""
        return all(self.intact(rel) for rel in self.outputs)

    def data_outputs(self) -> list[str]:
        return sorted(rel for rel in self.outputs if not rel.startswith((REPORTS, SITE)))

    def reusable_reports(self) -> dict[str, tuple[str, str, str]]:
        """Report path under reports/ → (its key, its inputs key, the earlier PDF), for every intact report:
        the build's, and those `carestats render`/`report` made since (the `rendered` records)."""
        keys = self.doc["cache"].get("reports") or {}
        inputs = self.doc["cache"].get("report_inputs") or {}
        found = {rel[len(REPORTS):]: (str(k), str(inputs.get(rel, "")), str(self.folder / rel))
                 for rel, k in sorted(keys.items()) if rel in self.outputs and self.intact(rel)}
        for rel, rec in sorted(self.rendered.items()):
            if self._intact_record(rel, rec):
                found[rel[len(REPORTS):]] = (str(rec.get("key", "")), str(rec.get("inputs", "")), str(self.folder / rel))
        return found

    @property
    def rendered(self) -> dict[str, dict]:
        """Reports that `carestats render` or `report` made after the build, by path: hash, size and keys."""
        rendered = self.doc.get("rendered")
        return rendered if isinstance(rendered, dict) else {}

    def _intact_record(self, rel: str, record: dict) -> bool:
        try:
            st = (self.folder / rel).stat()
        except OSError:
            return False
        return st.st_size == record.get("bytes") and sha256_file(self.folder / rel) == record.get("sha256")

    def report_inputs_keys(self) -> dict[str, str]:
        """The inputs key of every report in reports/ whose file is as recorded, by its name under reports/."""
        return {name: rec[1] for name, rec in self.reusable_reports().items()}

    def record_rendered(self, made: list) -> None:  # type: ignore[type-arg]
        """Add reports made by `render`/`report` (render.Rendered) to the manifest's `rendered` records.

        The manifest keeps its time, so the build's outputs changed since are still hashed, not trusted."""
        import os

        if not made:
            return
        records = dict(self.rendered)
        for r in made:
            path = self.folder / REPORTS / r.name
            records[f"{REPORTS}{r.name}"] = {"sha256": sha256_file(path), "bytes": path.stat().st_size,
                                             "key": r.key, "inputs": r.inputs}
        self.doc["rendered"] = dict(sorted(records.items()))
        target = self.folder / MANIFEST
        tmp = target.with_name(MANIFEST + ".tmp")
        tmp.write_text(json.dumps(self.doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        os.utime(tmp, ns=(self.written_ns, self.written_ns))
        os.replace(tmp, target)

    def copy_data_into(self, work: Path) -> None:
        """The warehouse is copied (DuckDB may write to its file); the exports are linked."""
        for rel in self.data_outputs():
            if rel == WAREHOUSE:
                shutil.copyfile(self.folder / rel, work / rel)
            else:
                place(self.folder / rel, work / rel)

    def inputs(self) -> list[Recorded]:
        return [Recorded.from_manifest(i) for i in self.doc.get("inputs") or []]

    def report_files(self) -> list[Path]:
        return [self.folder / rel for rel in sorted(self.outputs) if rel.startswith(REPORTS) and rel.endswith(".pdf")]

