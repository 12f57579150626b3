"""A build replaces only the outputs it makes: `--no-reports` keeps reports/ (marked stale when the data
under them changed), and files carestats did not write (build/lib, a user's notes, diff/, exports/areas/)
are never touched, while a killed swap is still undone file by file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from test_atomic import leftovers, write_release

from carestats.core.errors import DataError
from carestats.core.progress import Reporter
from carestats.core.settings import Settings
from carestats.pipeline import build
from carestats.pipeline.build import BuildOptions, run

FOREIGN = {"lib/carestats/__init__.py": b"# setuptools\n", "bdist.linux-x86_64/wheel/x": b"bdist\n",
           "notes.txt": b"my notes\n", "diff/summary.md": b"# earlier diff\n",
           "exports/areas/E06000001.xlsx": b"one council\n"}


def _options(raw: Path, out: Path, reports: bool, force: bool = False) -> BuildOptions:
    return BuildOptions(raw=raw, out=out, reports=reports, force=force,
                        settings=Settings(jobs=1, areas=["E06000001"]))


def _hashes(out: Path, under: str) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((out / under).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("kept")
    write_release(root / "raw")
    run(_options(root / "raw", root / "full", reports=True))
    return root / "raw", root / "full"


@pytest.fixture
def built(full, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    raw, out = full
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(out, tmp_path / "out")
    for rel, data in FOREIGN.items():
        (tmp_path / "out" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / rel).write_bytes(data)
    return tmp_path / "raw", tmp_path / "out"


def _foreign(out: Path) -> dict[str, bytes]:
    return {rel: (out / rel).read_bytes() for rel in FOREIGN if (out / rel).is_file()}


def test_no_reports_force_keeps_the_reports_and_what_carestats_did_not_write(built, capsys) -> None:  # type: ignore[no-untyped-def]
    raw, out = built
    reports = _hashes(out, "reports")
    assert "reports/la/E06000001-hartlepool-2025.pdf" in reports and "reports/england-2025.pdf" in reports
    run(_options(raw, out, reports=False, force=True), Reporter())
    assert _hashes(out, "reports") == reports
    assert _foreign(out) == FOREIGN
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kept_reports"]["stale"] is False
    assert set(reports) <= set(manifest["outputs"])
    assert "left as they were (their data is unchanged)" in capsys.readouterr().err
    assert leftovers(out) == []


def test_no_reports_after_new_data_marks_the_kept_reports_stale(built, capsys) -> None:  # type: ignore[no-untyped-def]
    raw, out = built
    reports = _hashes(out, "reports")
    write_release(raw, bump=5)
    run(_options(raw, out, reports=False), Reporter())
    assert _hashes(out, "reports") == reports and _foreign(out) == FOREIGN
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kept_reports"]["stale"] is True
    assert sorted(manifest["kept_reports"]["reports"]) == sorted(reports)
    assert "made from earlier data: stale" in capsys.readouterr().err
    # still stale on the next --no-reports build of the same data; a full build makes them fresh
    run(_options(raw, out, reports=False, force=True))
    assert json.loads((out / "manifest.json").read_text())["kept_reports"]["stale"] is True
    run(_options(raw, out, reports=True))
    manifest = json.loads((out / "manifest.json").read_text())
    assert "kept_reports" not in manifest and _foreign(out) == FOREIGN


def test_a_full_rebuild_leaves_foreign_files_and_removes_only_old_outputs(built) -> None:  # type: ignore[no-untyped-def]
    raw, out = built
    write_release(raw, bump=2)
    run(_options(raw, out, reports=True, force=True))
    assert _foreign(out) == FOREIGN
    before = json.loads((out / "manifest.json").read_text())["outputs"]
    run(BuildOptions(raw=raw, out=out, reports=False, until="stage", settings=Settings(jobs=1, areas=[])))
    after = json.loads((out / "manifest.json").read_text())["outputs"]
    gone = [rel for rel in before if rel.startswith(("indicators/", "exports/ees")) and not (out / rel).exists()]
    assert gone and not any(rel.startswith("indicators/") for rel in after)
    assert _foreign(out) == FOREIGN  # exports/areas/ stays though exports/ lost its files


@pytest.mark.parametrize("exchange", [True, False])
def test_a_swap_killed_half_way_is_rolled_back_file_by_file(exchange, built, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    raw, out = built
    before = _hashes(out, ".")
    write_release(raw, bump=4)
    moves = []
    real = os.rename

    def dying(a, b):  # type: ignore[no-untyped-def]
        moves.append(a)
        if len(moves) == 6:
            raise SystemExit("killed")  # stands for a kill
        return real(a, b)

    if not exchange:
        monkeypatch.setattr(build, "_exchange", lambda a, b: False)
    monkeypatch.setattr(build.os, "rename", dying)
    monkeypatch.setattr(build, "_roll_back", lambda *a: None)  # a kill: no clean-up runs in the process
    monkeypatch.setattr(build.shutil, "rmtree", lambda *a, **k: None)
    with pytest.raises(SystemExit):
        run(_options(raw, out, reports=False))
    monkeypatch.undo()
    assert any(".old-" in name for name in leftovers(out))
    monkeypatch.setattr(build, "_alive", lambda p: False)  # as if the killed run had gone
    build.recover(out)
    assert _hashes(out, ".") == before and leftovers(out) == []


def test_a_failed_swap_is_undone_at_once(built, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    raw, out = built
    before = _hashes(out, ".")
    write_release(raw, bump=4)
    calls = []
    real = build._exchange

    def failing(a, b):  # type: ignore[no-untyped-def]
        calls.append(a)
        if len(calls) == 3:
            raise OSError(5, "Input/output error")
        return real(a, b)

    monkeypatch.setattr(build, "_exchange", failing)
    with pytest.raises(OSError):
        run(_options(raw, out, reports=False))
    assert _hashes(out, ".") == before and leftovers(out) == []


def test_a_first_build_beside_what_setuptools_wrote_leaves_it(full, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raw, _ = full
    out = tmp_path / "build"
    setuptools = {"lib/carestats/__init__.py": b"# setuptools\n", "bdist.linux-x86_64/wheel/x": b"bdist\n"}
    for rel, data in setuptools.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    run(_options(raw, out, reports=False))
    assert {rel: (out / rel).read_bytes() for rel in setuptools} == setuptools
    assert (out / "manifest.json").is_file() and leftovers(out) == []
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(DataError, match="did not write"):  # anything else still stops a first build
        run(_options(raw, tmp_path / "home", reports=False))
