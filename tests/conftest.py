"""Session fixtures: the real published files, and builds of them made once per test run.

With pytest-xdist (`make test` runs `pytest -n 2`) each worker is its own process with its own session,
so a session fixture alone would build once per worker. The builds are therefore made by `shared()`: in a
folder of the whole run (the parent of the workers' temporary folders), under a file lock, by whichever
worker asks first; the others wait for it and use the same folder. Tests only read these folders: a test
that changes a build copies it first.

- `real_build`: the warehouse, indicators and exports of the real files, without reports (every test of
  the figures reads it);
- `full_build`: the same build with every report (England and 153 local authorities). It reuses the data
  of `real_build` (same inputs, so the build copies it in) and renders the 154 PDFs: the one full render
  of the run.

Under xdist the tests are handed out in units (`pytest_xdist_make_scheduler` below): the tests that read
`full_build` together and first, then whole modules, the costliest first (tests/test_scheduling.py).
"""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from carestats.core import paths

# --- Scheduling over the xdist workers -------------------------------------------------------------------------
#
# `pytest -n 2` hands out work in units: the tests of one module (so that a module's fixtures are made once per
# run, not once per worker), except the tests that read `full_build`, which are one unit of their own. That unit
# goes first: one worker makes the real build and its 154 reports and runs their tests, while the other worker
# takes the modules, those that cost the most first (LONGEST), so that no worker is left with a long module
# at the end. A run of only a few modules is handed out test by test instead.

# The tests that read full_build, by node id prefix (the xdist controller sees only node ids; the collection
# checks this list against the tests' fixtures).
FULL_BUILD_TESTS = ("tests/test_report.py::",
                    "tests/test_pdf_accessibility.py::test_every_pdf_of_the_build_",
                    "tests/test_report_meaning.py::test_kents_report_on_the_real_files",
                    "tests/test_england_annex.py::test_no_page_of_the_england_report_is_left_")
FULL_BUILD = "full-build"

# The modules by the CPU time of their tests, the most first (measured on 2026-12-05: test_atomic.py 76 s,
# test_incremental.py 55 s, test_bench.py 37 s ... test_privacy.py 3.5 s; the suite's 1020 tests ~690 s in all,
# of which ~255 s the full-build unit). The modules not listed follow in their files' order.
LONGEST = ("test_atomic.py", "test_incremental.py", "test_bench.py", "test_site.py", "test_ssda903_validator.py",
           "test_outputs_kept.py", "test_recognise.py", "test_wheel.py", "test_ssda903_validation.py",
           "test_la_reports.py", "test_ssda903.py", "test_workbooks.py", "test_rules_on_columns.py",
           "test_rules_reference.py", "test_workbooks_columns.py",
           "test_report_reuse.py", "test_compare.py", "test_security.py", "test_real_data_cin.py",
           "test_own_return.py", "test_site_browser.py", "test_indicators.py", "test_synth.py", "test_customise.py",
           "test_ssda903_synthetic.py", "test_check.py", "test_diff.py", "test_ssda903_build.py",
           "test_report_meaning.py", "test_scale.py", "test_privacy.py")


def real_raw() -> Path:
    env = os.environ.get("CARESTATS_TEST_RAW")
    return Path(env).resolve() if env else paths.default_raw()


def unit_of(nodeid: str) -> str:
    """The unit a test is handed out in: FULL_BUILD, or its module."""
    return FULL_BUILD if nodeid.startswith(FULL_BUILD_TESTS) else nodeid.split("::", 1)[0]


def _rank(nodeid: str) -> tuple[int, int]:
    unit = unit_of(nodeid)
    if unit == FULL_BUILD:  # in the list's order: the report tests first
        return 0, next(i for i, prefix in enumerate(FULL_BUILD_TESTS) if nodeid.startswith(prefix))
    name = unit.rsplit("/", 1)[-1]
    return 1 + (LONGEST.index(name) if name in LONGEST else len(LONGEST)), 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The full-build unit first, then the modules by LONGEST, then the others in their files' order (a stable
    sort: the same order in every worker, which xdist requires)."""
    unlisted = [i.nodeid for i in items if "full_build" in getattr(i, "fixturenames", ()) and unit_of(i.nodeid)
                != FULL_BUILD]
    if unlisted:
        raise pytest.UsageError(f"{unlisted[0]} reads full_build: add it to FULL_BUILD_TESTS in tests/conftest.py")
    items.sort(key=lambda item: _rank(item.nodeid))


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    """`--dist load` (the default of -n) by the units above; another --dist is left to xdist."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def __init__(self, config: pytest.Config, log) -> None:  # type: ignore[no-untyped-def]
            super().__init__(config, log)
            self.per_test = False

        def _split_scope(self, nodeid: str) -> str:
            return nodeid if self.per_test else unit_of(nodeid)

        def schedule(self) -> None:
            if self.collection is None and self.registered_collections:
                ids = next(iter(self.registered_collections.values()))
                self.per_test = len({unit_of(i) for i in ids}) < 4 * len(self.registered_collections)
            self.config.option.loadscopereorder = False  # the collection's order, not the largest unit first
            super().schedule()

    return UnitScheduling(config, log)


# --- CPU time per test (with its subprocesses and render workers), beside --durations' wall-clock times -----

def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    start = getattr(item, "_cpu_mark", None)
    now = _cpu_seconds()
    item._cpu_mark = now  # type: ignore[attr-defined]
    if start is not None:
        report = outcome.get_result()
        report.user_properties = [*report.user_properties, ("cpu_s", now - start)]  # not the item's own list


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item._cpu_mark = _cpu_seconds()  # type: ignore[attr-defined]


_CPU: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collected in the process that prints the summary (the xdist controller, or the only process)."""
    for name, value in report.user_properties:
        if name == "cpu_s":
            _CPU[report.nodeid] = _CPU.get(report.nodeid, 0.0) + value


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if not _CPU or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    top = sorted(_CPU.items(), key=lambda kv: -kv[1])[:15]
    terminalreporter.write_sep("=", f"CPU time of the tests: {sum(_CPU.values()):.1f} s in all; the most:")
    for nodeid, seconds in top:
        terminalreporter.write_line(f"{seconds:8.2f}s cpu  {nodeid}")


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """A temporary folder of this test run, the same for every xdist worker of the run."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder `name` of this run, made once by `make(folder)` (under a lock, across xdist workers)."""
    root = run_folder(factory) / "shared"
    root.mkdir(exist_ok=True)
    folder, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)  # a worker that failed half-way leaves a part
                folder.mkdir()
                make(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    raw = real_raw()
    if not raw.is_dir():
        pytest.fail(f"the published release files are not at {raw}; set CARESTATS_TEST_RAW")
    return raw


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    """The real published files through ingest, checks, warehouse, indicators and exports: no reports."""
    from carestats.pipeline.build import BuildOptions, run

    def make(folder: Path) -> None:
        run(BuildOptions(raw=raw_dir, out=folder / "build", reports=False))

    return shared(tmp_path_factory, "real", make) / "build"


@pytest.fixture(scope="session")
def full_build(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path, real_build: Path) -> Path:
    """`real_build` with every report: the data stage is reused, the 154 reports are rendered."""
    from carestats.pipeline.build import BuildOptions, run

    def make(folder: Path) -> None:
        shutil.copytree(real_build, folder / "build")
        res = run(BuildOptions(raw=raw_dir, out=folder / "build"))
        assert len(res.reports) >= 150

    return shared(tmp_path_factory, "full", make) / "build"


@pytest.fixture(scope="session")
def real_values(real_build: Path):
    import polars as pl

    return pl.read_parquet(real_build / "indicators" / "indicator_values.parquet")
