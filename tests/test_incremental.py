"""Incremental builds (issue 7): unchanged work is reused, changed work is redone, and the result is always
that of a clean build, byte for byte.

The inputs are a tiny synthetic CLA release (England, one region, three LAs, five years) plus a user's
indicator folder and template folder; reports are rendered in this process (jobs=1) so that the tests can
count the PDFs WeasyPrint makes and the times the indicators are computed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from buildcompare import same_build
from typer.testing import CliRunner

from carestats.cli.commands import app
from carestats.core import paths
from carestats.core.progress import Reporter
from carestats.core.settings import Settings
from carestats.pipeline import cache
from carestats.pipeline.build import BuildOptions, run

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,la_name,new_la_code,population_type,children_count,population_estimate,rate_per_10000")
AREAS = [("National", "", "", "", "", ""), ("Regional", "E12000001", "North East", "", "", ""),
         ("Local authority", "E12000001", "North East", "805", "Hartlepool", "E06000001"),
         ("Local authority", "E12000001", "North East", "806", "Middlesbrough", "E06000002"),
         ("Local authority", "E12000001", "North East", "807", "Redcar and Cleveland", "E06000003")]
MEASURES = ["Children looked after on 31 March each year", "Children starting to be looked after each year",
            "Children ceasing to be looked after each year"]
CSV = "cla/cla_number_and_rate_per_10k_children.csv"
INDICATOR = """/*
id: my_leavers
title: My leavers
short_title: My leavers
theme: additional
unit: count
polarity: none
decimals: 0
definition: Children who stopped being looked after.
numerator: children
denominator: none
sources: [stg_cla_number_and_rate]
source_files: [cla_number_and_rate_per_10k_children.csv]
method: published
method_note: As published.
*/
select time_period, geographic_level, area_code, area_name, 'Total' as breakdown,
       cs_num(children_count) as value, cs_status(children_count) as status,
       cs_num(children_count) as numerator, null::double as denominator, release
from staging.stg_cla_number_and_rate
where measure = '{measure}'
"""
LA_TEMPLATE = """{{% extends "builtin/la.html.j2" %}}
{{% block body %}}{note}{{{{ super() }}}}{{% endblock %}}
"""


def write_release(raw: Path, change: int = 0) -> None:
    """A small, valid release; `change` alters one figure (Middlesbrough's 2023 count)."""
    rows = [HEADER]
    for year in range(2021, 2026):
        for i, (level, rcode, rname, old, name, new) in enumerate(AREAS):
            for j, measure in enumerate(MEASURES):
                n = {"National": 80000, "Regional": 5000}.get(level, 300 + 10 * i) + year % 7 * 10 + j
                n += change if (new, year, j) == ("E06000002", 2023, 0) else 0
                pop = {"National": 12_000_000, "Regional": 500_000}.get(level, 20_000 + i)
                rows.append(f"{year},Reporting year,{level},E92000001,England,{rcode},{rname},{old},{name},{new},"
                            f"{measure},{n},{pop},{round(n / pop * 10000)}")
    (raw / CSV).parent.mkdir(parents=True, exist_ok=True)
    (raw / CSV).write_text("\n".join(rows) + "\n", encoding="utf-8")


def project(root: Path) -> dict[str, Path]:
    """Raw files, an indicator folder and a template folder whose LA template only extends the built-in."""
    folders = {name: root / name for name in ("raw", "indicators", "templates")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    write_release(folders["raw"])
    (folders["indicators"] / "my_leavers.sql").write_text(INDICATOR.format(measure="ceasing"), encoding="utf-8")
    (folders["templates"] / "la.html.j2").write_text(LA_TEMPLATE.format(note=""), encoding="utf-8")
    return folders


def options(p: dict[str, Path], out: Path, **kw) -> BuildOptions:  # type: ignore[no-untyped-def]
    return BuildOptions(raw=p["raw"], out=out, indicator_dirs=[p["indicators"]], template_dirs=[p["templates"]],
                        settings=Settings(jobs=1), **kw)


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def stats(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


class Counts:
    """How often the expensive steps ran: WeasyPrint (per report) and the indicator computation."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from carestats.indicators import compute
        from carestats.reports import render

        self.pdfs: list[str] = []
        self.html: list[str] = []
        self.computes = 0
        to_pdf, compute_all, report_html = render.html_to_pdf, compute.compute_all, render.report_html

        def counted_pdf(html, out, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.pdfs.append(out.name)
            return to_pdf(html, out, *args, **kwargs)

        def counted_compute(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.computes += 1
            return compute_all(*args, **kwargs)

        def counted_html(job, task):  # type: ignore[no-untyped-def]
            target, html = report_html(job, task)
            self.html.append(target.name)
            return target, html

        monkeypatch.setattr(render, "html_to_pdf", counted_pdf)
        monkeypatch.setattr(render, "report_html", counted_html)
        monkeypatch.setattr(compute, "compute_all", counted_compute)


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path]:
    """The project and a clean build of it (England and three LA reports)."""
    root = tmp_path_factory.mktemp("incremental")
    p = project(root / "project")
    run(options(p, root / "first"))
    return p, root / "first"


@pytest.fixture
def again(first, tmp_path: Path) -> tuple[dict[str, Path], Path]:  # type: ignore[no-untyped-def]
    """A copy of the project and of its build (times kept), to change and rebuild."""
    p, built = first
    copy = {name: tmp_path / "project" / name for name in p}
    for name, folder in p.items():
        shutil.copytree(folder, copy[name])
    shutil.copytree(built, tmp_path / "out")
    return copy, tmp_path / "out"


def clean_build(p: dict[str, Path], tmp_path: Path) -> Path:
    run(options(p, tmp_path / "clean"))
    return tmp_path / "clean"


def test_the_first_build_has_several_reports(first) -> None:  # type: ignore[no-untyped-def]
    _, out = first
    assert len(list((out / "reports" / "la").glob("*.pdf"))) == 3
    assert len(json.loads((out / "manifest.json").read_text())["cache"]["reports"]) == 4


def test_a_no_op_rebuild_touches_nothing_and_says_up_to_date(again, monkeypatch, capsys) -> None:
    p, out = again
    before = stats(out)
    counts = Counts(monkeypatch)
    res = run(options(p, out), Reporter())
    assert res.up_to_date and len(res.reports) == 4 and res.indicators > 1
    assert stats(out) == before
    assert counts.pdfs == [] and counts.computes == 0
    assert "up to date" in capsys.readouterr().err


def test_a_changed_template_re_renders_only_the_reports_using_it(again, monkeypatch, tmp_path, capsys) -> None:
    p, out = again
    (p["templates"] / "la.html.j2").write_text(LA_TEMPLATE.format(note="<p>For the board</p>"), encoding="utf-8")
    england = out / "reports" / "england-2025.pdf"
    inode = england.stat().st_ino
    counts = Counts(monkeypatch)
    run(options(p, out), Reporter())
    assert sorted(counts.pdfs) == sorted(p.name for p in (out / "reports" / "la").glob("*.pdf"))
    assert len(counts.pdfs) == 3 and counts.computes == 0  # the data stage was reused too
    assert sorted(counts.html) == sorted(counts.pdfs)  # England's templates did not change: no HTML made
    assert england.stat().st_ino == inode  # linked from the previous build, not written again
    assert "render: 1 reused, 3 rendered" in capsys.readouterr().err
    monkeypatch.undo()
    same_build(out, clean_build(p, tmp_path))


def test_a_new_template_folder_re_renders_only_the_report_it_overrides(again, monkeypatch, tmp_path) -> None:
    p, out = again
    more = tmp_path / "more-templates"
    more.mkdir()
    (more / "england.html.j2").write_text('{% extends "builtin/england.html.j2" %}\n'
                                          '{% block body %}<p>For the board</p>{{ super() }}{% endblock %}\n')
    opts = options(p, out)
    opts.template_dirs = [more, *opts.template_dirs]
    counts = Counts(monkeypatch)
    run(opts)
    assert counts.pdfs == counts.html == ["england-2025.pdf"] and counts.computes == 0
    monkeypatch.undo()
    opts.out = tmp_path / "clean"
    run(opts)
    same_build(out, opts.out)


@pytest.mark.parametrize("change", ["figure", "unused-file"])
def test_a_changed_input_gives_the_clean_result_and_reuses_unchanged_reports(change, again, monkeypatch,
                                                                             tmp_path, first, capsys) -> None:
    """A changed figure changes the reports that show it (England's and that LA's here); a file that is not
    loaded changes the manifest's inputs only, so the data stage runs again and every report is reused."""
    p, out = again
    if change == "figure":
        write_release(p["raw"], change=25)
    else:
        (p["raw"] / "notes.txt").write_text("where these files came from\n", encoding="utf-8")
    counts = Counts(monkeypatch)
    run(options(p, out), Reporter())
    assert counts.computes == 1 and len(counts.html) == 4  # new data: every report's HTML is made and compared
    monkeypatch.undo()
    clean = clean_build(p, tmp_path)
    same_build(out, clean)
    old, new = files(first[1]), files(clean)
    changed = sorted(Path(n).name for n in new if n.endswith(".pdf") and new[n] != old[n])
    assert sorted(counts.pdfs) == changed
    assert changed == (["E06000002-middlesbrough-2025.pdf", "england-2025.pdf"] if change == "figure" else [])
    assert f"render: {4 - len(changed)} reused, {len(changed)} rendered" in capsys.readouterr().err


def test_force_redoes_everything(again, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, out = again
    counts = Counts(monkeypatch)
    args = ["-q", "build", "--raw", str(p["raw"]), "--out", str(out), "--jobs", "1", "--force"]
    config = tmp_path / "carestats.toml"
    config.write_text(f'[paths]\nindicators = ["{p["indicators"]}"]\ntemplates = ["{p["templates"]}"]\n',
                      encoding="utf-8")
    res = CliRunner().invoke(app, ["--config", str(config), *args])
    assert res.exit_code == 0, res.output
    assert len(counts.pdfs) == 4 and counts.computes == 1
    monkeypatch.undo()
    same_build(out, clean_build(p, tmp_path))


def test_a_changed_query_file_invalidates_the_data_stage(again, monkeypatch, tmp_path) -> None:
    p, out = again
    (p["indicators"] / "my_leavers.sql").write_text(INDICATOR.format(measure="starting"), encoding="utf-8")
    before = json.loads((out / "manifest.json").read_text())["cache"]
    counts = Counts(monkeypatch)
    run(options(p, out))
    assert counts.computes == 1
    after = json.loads((out / "manifest.json").read_text())["cache"]
    assert after["data"] != before["data"] and after["build"] != before["build"]
    monkeypatch.undo()
    same_build(out, clean_build(p, tmp_path))


def test_the_data_key_covers_every_query_file(first, tmp_path: Path, monkeypatch) -> None:
    p, _ = first
    queries = tmp_path / "queries"
    shutil.copytree(paths.QUERIES_DIR, queries)
    monkeypatch.setattr(paths, "QUERIES_DIR", queries)

    def key() -> str:
        return cache.data_key(p["raw"], [p["indicators"]], "render", False, Settings())

    before = key()
    with (queries / "macros.sql").open("a", encoding="utf-8") as fh:
        fh.write("\n-- a comment changes the key too\n")
    assert key() != before


def test_an_edited_output_is_made_again(again, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An output changed after the build (a re-render, an edit) is not trusted: that report is made again."""
    p, out = again
    la = sorted((out / "reports" / "la").glob("*.pdf"))[0]
    original = la.read_bytes()
    la.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # same size, other bytes
    counts = Counts(monkeypatch)
    res = run(options(p, out))
    assert not res.up_to_date and counts.pdfs == [la.name] and counts.computes == 0
    assert la.read_bytes() == original


def test_a_failed_incremental_build_leaves_the_previous_outputs(again, monkeypatch) -> None:
    p, out = again
    (p["templates"] / "la.html.j2").write_text(LA_TEMPLATE.format(note="<p>changed</p>"), encoding="utf-8")
    before, data = stats(out), files(out)

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("injected failure")

    monkeypatch.setattr("carestats.reports.render.html_to_pdf", boom)
    with pytest.raises(RuntimeError):
        run(options(p, out))
    assert stats(out) == before and files(out) == data
    assert sorted(x for x in os.listdir(out.parent) if x.startswith(f".{out.name}.")) == []


def test_the_manifest_keys_do_not_depend_on_where_the_build_ran(first, tmp_path: Path) -> None:
    p, out = first
    keys = json.loads((out / "manifest.json").read_text())["cache"]
    elsewhere = json.loads((clean_build(p, tmp_path) / "manifest.json").read_text())["cache"]
    assert keys == elsewhere
    assert all(len(k) == 64 for k in [keys["data"], keys["build"], *keys["reports"].values()])


def test_a_changed_font_or_renderer_library_re_renders_every_report(again, monkeypatch, tmp_path) -> None:
    from carestats.core import fingerprint as manifest

    p, out = again
    font = tmp_path / "fonts" / "Extra.ttf"
    font.parent.mkdir()
    font.write_bytes(b"font, first version")
    real = manifest.font_files()
    assert real, "fontconfig lists no font on this machine"
    monkeypatch.setattr(cache, "font_files", lambda: [*real, font])
    counts = Counts(monkeypatch)
    run(options(p, out))  # a font appeared: every PDF may change
    assert len(counts.pdfs) == 4 and counts.computes == 0
    counts.pdfs.clear()
    run(options(p, out))
    assert counts.pdfs == []
    font.write_bytes(b"font, second version")
    run(options(p, out))
    assert len(counts.pdfs) == 4
    counts.pdfs.clear()
    monkeypatch.setattr(cache, "system_versions", lambda: {"libharfbuzz0b": "a newer one"})
    run(options(p, out))
    assert len(counts.pdfs) == 4 and counts.computes == 0


def test_the_manifest_names_the_renderers_system_libraries(first) -> None:  # type: ignore[no-untyped-def]
    from carestats.core import fingerprint as manifest

    _, out = first
    system = json.loads((out / "manifest.json").read_text())["system"]
    assert system == manifest.system_versions()
    if shutil.which("dpkg-query"):
        assert system["libharfbuzz-subset0"] != "not installed" and set(system) == set(manifest.RENDERER_LIBRARIES)
