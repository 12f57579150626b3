"""Stage 5, render: display rows → Jinja (autoescaped) → HTML → WeasyPrint → PDF.

The renderer may read only the packaged template assets: any other URL (http, a file elsewhere, an
attachment) stops the build. PDFs are tagged (PDF/UA-1), titled and dated from the data, so two builds
from the same inputs give the same bytes. The England report and one report per local authority are
rendered by a pool of worker processes, each of which prepares the shared lookups once.
"""

from __future__ import annotations

import base64
import gc
import os
import pickle
import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import jinja2

from carestats.core import paths
from carestats.core.checkpoints import checkpoint
from carestats.core.errors import CarestatsError, ConfigError
from carestats.core.settings import Settings
from carestats.reports import formatting


class RenderError(CarestatsError):
    pass


def slugify(name: str) -> str:
    """Lower-case ASCII a-z0-9 and hyphens only; never empty."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:60].strip("-") or "area"


SAFE_CODE = re.compile(r"^[A-Za-z0-9]{1,12}( / [A-Za-z0-9]{1,12}){0,3}$")  # joint services: "E06000061 / E06000062"


def output_name(code: str, name: str, year: int) -> str:
    """A report's file name from its area code, a strict slug of its name and the year: never a path."""
    if not SAFE_CODE.fullmatch(code):
        raise ConfigError(f"area code {code!r} cannot be used in a file name", "area codes are letters and digits")
    return f"{code.replace(' / ', '_')}-{slugify(name)}-{int(year)}.pdf"


def environment(template_dirs: list[Path] | None = None) -> jinja2.Environment:
    """User folders first (they override one file at a time), then the built-ins, reachable as builtin/."""
    dirs = [*(template_dirs or []), paths.TEMPLATES_DIR]
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(d) for d in dirs]),
        jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(paths.TEMPLATES_DIR))}),
    ])
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = formatting.fmt_number
    env.filters["period"] = formatting.fmt_period
    env.filters["svg_data_uri"] = svg_data_uri
    env.globals["fmt_value"] = formatting.fmt_value
    env.globals["fmt_change"] = formatting.fmt_change
    env.globals["SYMBOLS"] = formatting.SYMBOLS
    env.globals["NO_DATA"] = formatting.NO_DATA
    return env


SVG_DATA = "data:image/svg+xml;base64,"  # the one kind of data: URL the renderer reads (svg_data_uri's)


def svg_data_uri(svg: str) -> str:
    """An SVG drawing (a chart macro's output) as a data: URL for an <img>: the same bytes every time."""
    return SVG_DATA + base64.b64encode(str(svg).strip().encode("utf-8")).decode("ascii")


def make_fetcher(asset_dirs: list[Path], asset_files: tuple[Path, ...] = ()):  # type: ignore[no-untyped-def]
    """A fetcher for the template folders, the named files (the user's logo) and the SVG drawings the
    templates inline as data: URLs (svg_data_uri), and nothing else."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    allowed = [d.resolve() for d in asset_dirs]
    files = {f.resolve() for f in asset_files}

    class AssetFetcher(URLFetcher):
        """Serves file: URLs inside the template folders and nothing else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, fail_on_errors=True)
            self.blocked: list[str] = []  # WeasyPrint logs and skips a failed fetch inside an SVG drawing

        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            if url.startswith(SVG_DATA):  # the drawing itself, in the URL: nothing is fetched
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                target = Path(url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:"))).resolve()
                inside = target in files or any(target.is_relative_to(d) for d in allowed)
                if inside and target.is_file():
                    return super().fetch(url, headers)
            self.blocked.append(url)
            raise FatalURLFetchingError(f"blocked fetch of {url[:120]!r}: reports may only use packaged assets")

    return AssetFetcher()


PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "attachments": [], "uncompressed_pdf": False}  # part of every report key


def html_to_pdf(html: str, out: Path, template_dirs: list[Path] | None = None,
                asset_files: tuple[Path, ...] = ()) -> None:
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    dirs = [*(template_dirs or []), paths.TEMPLATES_DIR]
    fetcher = make_fetcher(dirs, asset_files)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        doc = weasyprint.HTML(string=html, base_url=str(paths.TEMPLATES_DIR) + "/", url_fetcher=fetcher)
        doc.write_pdf(tmp, **PDF_OPTIONS)
        checkpoint("after-pdf-part")
        if fetcher.blocked:  # a fetch WeasyPrint let pass (an <image> inside an SVG) still stops the report
            raise FatalURLFetchingError(f"blocked fetch of {fetcher.blocked[0][:120]!r}: "
                                        "reports may only use packaged assets")
    except FatalURLFetchingError as exc:
        tmp.unlink(missing_ok=True)
        raise RenderError(f"{out.name}: {exc}", "remove the link from the template or data") from None
    os.replace(tmp, out)


@dataclass
class RenderJob:
    """Everything a worker needs to render any report of one build (pickled once per worker): the shared
    data, and the run's settings as they are (templates, sections, branding)."""
    data: object  # reportdata.ReportData
    indicators: list
    inputs: list[dict]
    out: Path  # the reports folder
    settings: Settings = field(default_factory=Settings)
    epoch: str = ""  # SOURCE_DATE_EPOCH for byte-identical PDFs
    asset_key: str = ""  # cache.asset_key: what besides its HTML shapes a report's PDF
    reusable: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # see cache.Previous.reusable_reports

    @property
    def template_dirs(self) -> list[Path]:
        return self.settings.template_dirs


@dataclass(frozen=True)
class Rendered:
    """One report of the build: where it is, its name under the reports folder, its keys, whether reused."""
    path: Path
    name: str
    key: str  # fingerprint.report_key, from the HTML
    reused: bool
    inputs: str = ""  # cache.html_inputs_key, known before the HTML is made


def report_name(task: tuple[str, str, str], year: int) -> str:
    """The report's file under the reports folder: england-<year>.pdf or la/<code>-<name>-<year>.pdf."""
    kind, code, name = task
    return f"england-{int(year)}.pdf" if kind == "england" else f"la/{output_name(code, name, year)}"


ROOTS = {"england": "england.html.j2", "la": "la.html.j2"}  # the template each kind of report starts from
_WORKER: dict = {}


# A report's layout makes about a million short-lived Python objects; with the default thresholds the
# cyclic collector runs thousands of times a report and costs a tenth of its time (benchmarks/README.md).
GC_THRESHOLD = (50_000, 20, 100)


def _setup(payload: bytes) -> None:
    """A worker process's start: the job, pickled once for all workers."""
    _install(pickle.loads(payload))


def _install(job: RenderJob) -> None:
    if job.epoch:
        os.environ["SOURCE_DATE_EPOCH"] = job.epoch
    _WORKER.clear()
    _WORKER["job"] = job
    gc.collect()
    gc.freeze()  # the job's data lives as long as the worker: the collector need not walk it again
    gc.set_threshold(*GC_THRESHOLD)


def _la_index():  # type: ignore[no-untyped-def]
    if "index" not in _WORKER:
        from carestats.reports.local_authority import LAIndex

        job = _WORKER["job"]
        _WORKER["index"] = LAIndex(job.data, job.indicators)
    return _WORKER["index"]


def _environment(job: RenderJob) -> jinja2.Environment:
    """The worker's Jinja environment: made once, so each template is compiled once, not once a report."""
    key = tuple(str(d) for d in job.template_dirs)
    if _WORKER.get("env_key") != key:
        _WORKER["env"], _WORKER["env_key"] = environment(job.template_dirs), key
    return _WORKER["env"]


def report_html(job: RenderJob, task: tuple[str, str, str]) -> tuple[Path, str]:
    """The report's file and its HTML: ('england', '', '') or ('la', code, name)."""
    env = _environment(job)
    kind, code, name = task
    target = job.out / report_name(task, job.data.year)  # type: ignore[attr-defined]
    if kind == "england":
        from carestats.reports.england import england_context

        ctx = england_context(job.data, job.indicators, job.inputs, job.settings)  # type: ignore[arg-type]
        return target, env.get_template(ROOTS["england"]).render(**ctx)
    from carestats.reports.local_authority import la_context

    ctx = la_context(_la_index(), code, name, job.inputs, job.settings)
    return target, env.get_template(ROOTS["la"]).render(**ctx)


def render_one(task: tuple[str, str, str]) -> Rendered:
    """Make one report in this process: the earlier build's PDF when its key is the same, else WeasyPrint's."""
    from carestats.core import fingerprint

    job: RenderJob = _WORKER["job"]
    target, html = report_html(job, task)
    name, key = target.relative_to(job.out).as_posix(), fingerprint.report_key(job.asset_key, html)
    earlier = job.reusable.get(name)
    if earlier is not None and earlier[0] == key:
        fingerprint.place(Path(earlier[2]), target)
        return Rendered(target, name, key, True)
    logo = job.settings.logo
    html_to_pdf(html, target, job.template_dirs, (Path(logo),) if logo else ())
    return Rendered(target, name, key, False)


def _stop(pool: ProcessPoolExecutor, pending: set, reports: Path) -> None:
    """Cancel the reports not yet started and wait only for those the workers hold (on Ctrl-C they stop
    too), then remove any PDF left half-written in `reports`."""
    for fut in pending:
        fut.cancel()
    pool.shutdown(wait=True, cancel_futures=True)
    for part in reports.rglob("*.pdf.part"):
        part.unlink(missing_ok=True)


def render_reports(job: RenderJob, tasks: list[tuple[str, str, str]], jobs: int = 0,
                   progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Render every task (see render_many); the reports' paths, sorted."""
    return [r.path for r in render_many(job, tasks, jobs, progress)]


def render_many(job: RenderJob, tasks: list[tuple[str, str, str]], jobs: int = 0,
                progress: Callable[[int, int], None] | None = None,
                alongside: Callable[[], object] | None = None) -> list[Rendered]:
    """Render every task; in parallel when jobs > 1 (0: all cores). A failure stops the rest and is raised.

    `alongside`, when given, is other work of the build (the web edition) done in this process while the
    workers render, rather than after them: the parent only waits for the workers otherwise. The tasks are
    handed out in their order, so the longest (the England report, first) starts first."""
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    done: list[Rendered] = []
    if jobs == 1 or len(tasks) <= 1:  # in this process: the job as it is, not a pickled copy
        if alongside is not None:
            alongside()
        threshold = gc.get_threshold()
        try:
            _install(job)
            for i, task in enumerate(tasks, 1):
                done.append(render_one(task))
                if progress:
                    progress(i, len(tasks))
        finally:  # this process goes on after rendering: give it back its collector
            gc.unfreeze()
            gc.set_threshold(*threshold)
        return sorted(done, key=lambda r: r.path)
    # spawn, not fork: the parent holds DuckDB and Polars thread pools, which do not survive a fork
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=get_context("spawn"),
                               initializer=_setup, initargs=(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL),))
    pending: set = set()
    try:
        pending = {pool.submit(render_one, t) for t in tasks}
        if alongside is not None:
            alongside()
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                if fut.exception() is not None:
                    raise fut.exception()  # type: ignore[misc]
                done.append(fut.result())
                if progress:
                    progress(len(done), len(tasks))
    except BaseException:  # a failed report, Ctrl-C or SIGTERM: stop now, not after the queued reports
        _stop(pool, pending, job.out)
        raise
    pool.shutdown()
    return sorted(done, key=lambda r: r.path)
