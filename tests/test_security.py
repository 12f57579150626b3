"""Hostile input, defended by default: the warehouse SQL, the PDF renderer, names in the data, the CSV
exports, report file names and release zips. Each defence has a test that would fail without it."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_atomic import options, snapshot, write_release

from carestats.core.errors import ConfigError, QueryError
from carestats.indicators import compute
from carestats.indicators.registry import Indicator, parse_indicator
from carestats.ingest import archives
from carestats.ingest.archives import Limits
from carestats.pipeline.build import run
from carestats.pipeline.inputs import read_inputs
from carestats.reports.render import (
    RenderError,
    environment,
    html_to_pdf,
    make_fetcher,
    output_name,
    slugify,
    svg_data_uri,
)
from carestats.warehouse import db as warehouse

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = ["/etc/passwd", "/etc/hostname"]


# --- DuckDB: no file, network or extension from any query -------------------------------------------------

def hostile(sql: str, path: Path) -> Indicator:
    """An indicator as a user's own file would give it, bypassing the registry's keyword screen."""
    return Indicator(id="evil", title="t", theme="additional", unit="count", polarity="none", decimals=0,
                     definition="d", numerator="n", denominator="none", sources=(), source_files=(),
                     method="published", method_note="", headline=False, order=1, path=path, sql=sql)


ATTACKS = {
    "read_csv": "select * from read_csv('/etc/passwd', sep=':')",
    "read_text": "select * from read_text('/etc/hostname')",
    "read_blob": "select * from read_blob('/etc/hostname')",
    "glob": "select * from glob('/etc/*')",
    "sniff_csv": "select * from sniff_csv('/etc/passwd')",
    "http": "select * from read_csv('https://example.com/x.csv')",
    "copy": "copy (select 42 as x) to '{target}'",
    "export": "export database '{target_dir}'",
    "attach": "attach '{target}.duckdb' as other",
    "install": "install httpfs",
    "load": "load httpfs",
    "unlock": "set enable_external_access = true",
    "allow-dirs": "set allowed_directories = ['/']",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_duckdb_refuses_files_network_and_extensions(attack: str, tmp_path: Path) -> None:
    con = warehouse.connect(tmp_path / "w.duckdb")
    target = tmp_path / "leak.csv"
    sql = ATTACKS[attack].format(target=target, target_dir=tmp_path / "dump")
    try:
        with pytest.raises(QueryError) as exc:
            compute.run_indicator(con, hostile(sql, tmp_path / "evil.sql"))
        assert any(w in str(exc.value) for w in ("disabled", "locked", "Permission")), str(exc.value)
        assert "root:" not in str(exc.value)
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]  # nothing written beside the warehouse


def test_a_read_only_warehouse_is_locked_too(tmp_path: Path) -> None:
    warehouse.connect(tmp_path / "w.duckdb").close()
    con = warehouse.connect(tmp_path / "w.duckdb", read_only=True)
    try:
        with pytest.raises(duckdb.PermissionException):
            con.execute("select * from read_text('/etc/hostname')")
        with pytest.raises(duckdb.InvalidInputException):
            con.execute("set enable_external_access = true")
    finally:
        con.close()


INDICATOR_FILE = """/*
id: evil
title: Evil
theme: additional
unit: count
polarity: none
decimals: 0
definition: d
numerator: n
denominator: none
sources: []
source_files: []
method: published
*/
{sql}
"""


@pytest.mark.parametrize("sql", [
    "copy (select 1) to '/tmp/x.csv'", "select 1; attach '/tmp/x.duckdb' as x", "install httpfs",
    "select * from t where 1 = 1; copy t to '/tmp/x'", "pragma version", "with x as (select 1) select 1; load x"])
def test_registry_rejects_anything_but_one_select(sql: str, tmp_path: Path) -> None:
    path = tmp_path / "evil.sql"
    path.write_text(INDICATOR_FILE.format(sql=sql), encoding="utf-8")
    with pytest.raises(ConfigError):
        parse_indicator(path)


def test_a_users_select_that_reads_a_file_fails_through_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "evil.sql"
    path.write_text(INDICATOR_FILE.format(sql="select * from read_csv('/etc/passwd', sep=':')"), encoding="utf-8")
    ind = parse_indicator(path)  # a SELECT is allowed; DuckDB itself refuses the file
    con = warehouse.connect(None)
    try:
        with pytest.raises(QueryError, match="disabled by configuration"):
            compute.run_indicator(con, ind)
    finally:
        con.close()


# --- WeasyPrint: nothing fetched outside the template folders ----------------------------------------------

PAGE = "<html lang='en'><head><title>t</title>{head}</head><body><p>x</p>{body}</body></html>"
FETCHES = {
    "img-file": ("", '<img src="file:///etc/hostname" alt="">'),
    "attachment": ('<link rel="attachment" href="file:///etc/passwd">', ""),
    "a-attachment": ("", '<a rel="attachment" href="file:///etc/passwd">x</a>'),
    "object": ("", '<object data="file:///etc/passwd"></object>'),
    "http-img": ("", '<img src="http://169.254.169.254/latest/meta-data/" alt="">'),
    "css-import": ("<style>@import url(http://127.0.0.1:9/x.css);</style>", ""),
    "css-urandom": ("<style>body { background: url(file:///dev/urandom) }</style>", ""),
    "relative-escape": ("", '<img src="../../../../../../etc/hostname" alt="">'),
    "encoded-escape": ("", f'<img src="file://{ROOT}/templates/%2e%2e/pyproject.toml" alt="">'),
    "data-url": ("", '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E" alt="">'),
    "data-url-other": ("", '<img src="data:text/html;base64,PHA+eDwvcD4=" alt="">'),
    "inline-svg-image": ("", ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
                              '<image href="file:///etc/hostname" width="9" height="9"/></svg>')),
    # the one data: URL the renderer reads (a chart drawn as an image) cannot fetch from inside the drawing
    "svg-image-fetch": ("", '<img src="{}" alt="">'.format(svg_data_uri(
        '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><image href="file:///etc/hostname"'
        ' width="9" height="9"/></svg>'))),
}


@pytest.mark.parametrize("case", sorted(FETCHES))
def test_renderer_fetches_nothing_and_fails_loudly(case: str, tmp_path: Path) -> None:
    head, body = FETCHES[case]
    target = tmp_path / "r.pdf"
    with pytest.raises(RenderError, match="blocked fetch"):
        html_to_pdf(PAGE.format(head=head, body=body), target)
    assert list(tmp_path.iterdir()) == []  # no PDF, no partial file


def test_a_chart_drawn_as_an_svg_data_url_is_read_and_nothing_else_is(tmp_path: Path) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>'
    url = svg_data_uri(svg)
    assert url == svg_data_uri(svg) and url.startswith("data:image/svg+xml;base64,")
    assert make_fetcher([tmp_path]).fetch(url).read() == svg.encode()
    target = tmp_path / "r.pdf"
    html_to_pdf(PAGE.format(head="", body=f'<img src="{url}" alt="A black bar">'), target)
    assert target.read_bytes().startswith(b"%PDF")


def test_renderer_serves_the_packaged_stylesheet(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    html_to_pdf(PAGE.format(head='<link rel="stylesheet" href="report.css">', body=""), target)
    assert target.read_bytes().startswith(b"%PDF")


def test_a_symlink_in_a_template_folder_cannot_reach_outside(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "logo.png").symlink_to("/etc/hostname")
    fetcher = make_fetcher([folder])
    from weasyprint.urls import FatalURLFetchingError

    for url in [(folder / "logo.png").as_uri(), "file:///etc/hostname", "FILE:///etc/hostname",
                "file://localhost/etc/hostname"]:
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)


def test_a_hostile_template_fails_the_build_and_keeps_the_previous_outputs(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_release(raw)
    run(options(raw, out))
    before = snapshot(out)
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "england.html.j2").write_text(PAGE.format(head="", body=FETCHES["attachment"][0]), encoding="utf-8")
    with pytest.raises(RenderError):
        run(options(raw, out, reports=True, template_dirs=[evil]))
    assert snapshot(out) == before


# --- Names in the data are text, never markup ---------------------------------------------------------------

MARKUP = '<img src="file:///etc/hostname"><link rel="attachment" href="file:///etc/passwd">'


def test_templates_escape_every_value(tmp_path: Path) -> None:
    (tmp_path / "probe.html.j2").write_text("<p>{{ name }}</p>", encoding="utf-8")
    html = environment([tmp_path]).get_template("probe.html.j2").render(name=MARKUP)
    assert "<img" not in html and "&lt;img src=&#34;file:///etc/hostname&#34;&gt;" in html


def test_an_la_and_region_name_carrying_html_print_as_text(tmp_path: Path) -> None:
    """Real templates, real build: the names reach the PDFs as text and nothing is fetched or attached."""
    from pypdf import PdfReader

    from carestats.core.settings import Settings

    raw, out = tmp_path / "raw", tmp_path / "out"
    write_release(raw, names={"E12000001": "North " + MARKUP, "E06000001": "Hartle" + MARKUP})
    opts = options(raw, out, reports=True)
    opts.settings = Settings(jobs=1, areas=["E06000001"])
    run(opts)
    pdfs = sorted((out / "reports").rglob("*.pdf"))
    assert len(pdfs) == 2
    texts = []
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert not reader.attachments
        texts.append(" ".join(page.extract_text() for page in reader.pages))
    assert any("<img src=" in t for t in texts)
    la = next(p for p in pdfs if p.parent.name == "la")
    assert la.name.startswith("E06000001-hartle-img-src-file-etc-hostname") and la.parent == out / "reports" / "la"


# --- CSV exports open safely in Excel; numbers stay numbers ------------------------------------------------

def test_csv_export_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    texts = ["=1+1", "@SUM(A1)", "+44 20 7946 0000", "-x", "\t=cmd", "\r=cmd", "=HYPERLINK(\"http://e\")", "Kent"]
    df = pl.DataFrame({"area_name": texts, "value": [-5.0, 12.5, 81770.0, -0.5, 0.0, 1e6, -12.0, 3.0],
                       "status": ["c", None, None, None, "z", None, None, None]})
    compute.write_exports(df, tmp_path, "v")
    back = pl.read_csv(tmp_path / "v.csv", infer_schema=False)
    assert back["area_name"].to_list()[:7] == ["'" + t for t in texts[:7]] and back["area_name"][7] == "Kent"
    assert back["value"].to_list() == ["-5", "12.5", "81770", "-0.5", "0", "1000000", "-12", "3"]
    assert pl.read_parquet(tmp_path / "v.parquet").equals(df)  # the typed file keeps the data as it is


# --- Report file names cannot leave the output folder ------------------------------------------------------

@pytest.mark.parametrize("code", ["../etc", "E06000023/..", "..", "", "E06000023\n", "E0600 0023", "/etc/passwd",
                                  "E06000023 / ../x", "C:\\x"])
def test_bad_area_codes_never_become_file_names(code: str) -> None:
    with pytest.raises(ConfigError):
        output_name(code, "Bristol", 2025)


def test_names_become_strict_slugs() -> None:
    assert output_name("E06000023", "Bristol, City of", 2025) == "E06000023-bristol-city-of-2025.pdf"
    assert output_name("E08000013", "St. Helens", 2025) == "E08000013-st-helens-2025.pdf"
    assert output_name("E06000061 / E06000062", "North and West Northamptonshire", 2025) == \
        "E06000061_E06000062-north-and-west-northamptonshire-2025.pdf"
    assert slugify("../../etc/passwd") == "etc-passwd" and slugify("…") == "area"


@settings(max_examples=300, deadline=None)
@given(name=st.text(), code=st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True))
def test_any_name_stays_inside_the_output_folder(name: str, code: str) -> None:
    folder = Path("/srv/out/reports/la")
    file = output_name(code, name, 2025)
    assert (folder / file).resolve().parent == folder and "/" not in file and file.isascii()
    assert len(file) <= 100 and not file.startswith(".")


# --- Release zips: limits and paths ------------------------------------------------------------------------

CSV = (b"time_period,time_identifier,geographic_level,country_code,country_name,population_type,children_count\n"
       b"2025,Reporting year,National,E92000001,England,Children looked after on 31 March each year,81770\n")


def make_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def zip_findings(path: Path, limits: Limits = archives.LIMITS):  # type: ignore[no-untyped-def]
    findings: list = []
    sources = list(archives.read_zip(path, path.name, findings, limits))
    return sources, findings


def test_a_release_zip_is_read_in_place(tmp_path: Path) -> None:
    make_zip(tmp_path / "cla-2025.zip", {"data/cla_number_and_rate_per_10k_children.csv": CSV,
                                          "data-guidance/data-guidance.txt": b"about the data",
                                          "__MACOSX/data/._cla.csv": b"\x00\x05\x16\x07"})
    res = read_inputs(tmp_path)
    by_name = {f.name: f for f in res.files}
    member = by_name["cla-2025.zip/data/cla_number_and_rate_per_10k_children.csv"]
    assert (member.status, member.table, member.rows, member.release) == \
        ("loaded", "cla_number_and_rate_per_10k_children", 1, "cla-2025")
    assert by_name["cla-2025.zip"].status == "unused" and by_name["cla-2025.zip"].kind == "archive"
    assert by_name["cla-2025.zip/data-guidance/data-guidance.txt"].status == "unused"
    assert not res.errors and sorted(p.name for p in tmp_path.iterdir()) == ["cla-2025.zip"]  # nothing extracted


@pytest.mark.parametrize("member", ["../../evil.csv", "/etc/evil.csv", "data/../../evil.csv", "..\\evil.csv",
                                    "C:/evil.csv"])
def test_zip_paths_that_climb_out_reject_the_zip(member: str, tmp_path: Path) -> None:
    zpath = tmp_path / "in" / "r.zip"
    zpath.parent.mkdir()
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("data/good.csv", CSV)
        info = zipfile.ZipInfo("placeholder")
        info.filename = member  # ZipInfo would clean the name; a hostile zip does not
        zf.writestr(info, CSV)
    sources, findings = zip_findings(zpath)
    assert [f.rule for f in findings] == ["ZIP-PATH"]
    assert len(sources) == 1 and sources[0].archive and sources[0].problem
    assert not (tmp_path / "evil.csv").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_zip_bomb_is_refused_before_decompressing(tmp_path: Path) -> None:
    zpath = make_zip(tmp_path / "bomb.zip", {"data/bomb.csv": b"0" * (8 << 20)})
    assert zpath.stat().st_size < 50_000
    sources, findings = zip_findings(zpath)
    assert [(f.rule, f.column) for f in findings] == [("ZIP-RATIO", "data/bomb.csv")]
    assert [s.name for s in sources] == ["bomb.zip"]


@pytest.mark.parametrize("limits, rule", [
    (Limits(members=2), "ZIP-LIMIT"), (Limits(member_bytes=100), "ZIP-LIMIT"), (Limits(total_bytes=300), "ZIP-LIMIT"),
    (Limits(archive_bytes=100), "ZIP-LIMIT")])
def test_zip_size_and_count_limits(limits: Limits, rule: str, tmp_path: Path) -> None:
    zpath = make_zip(tmp_path / "r.zip", {f"data/f{i}.csv": CSV for i in range(3)})
    sources, findings = zip_findings(zpath, limits)
    assert [f.rule for f in findings] == [rule] and [s.name for s in sources] == ["r.zip"]


def test_nested_linked_encrypted_and_damaged_zips_are_refused(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.csv", CSV)
    cases = {"nested": make_zip(tmp_path / "nested.zip", {"data/inner.zip": inner.getvalue()})}
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("data/passwd.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    cases["link"] = link
    encrypted = make_zip(tmp_path / "encrypted.zip", {"data/x.csv": CSV}, zipfile.ZIP_STORED)
    data = bytearray(encrypted.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag: encrypted
    encrypted.write_bytes(bytes(data))
    cases["encrypted"] = encrypted
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(make_zip(tmp_path / "whole.zip", {"data/x.csv": CSV * 50}).read_bytes()[:200])
    cases["damaged"] = damaged
    liar = make_zip(tmp_path / "liar.zip", {"data/x.csv": CSV * 50})
    data = bytearray(liar.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")  # declares 10 bytes uncompressed
    liar.write_bytes(bytes(data))
    cases["liar"] = liar
    deflate64 = make_zip(tmp_path / "deflate64.zip", {"data/x.csv": CSV}, zipfile.ZIP_STORED)
    data = bytearray(deflate64.read_bytes())
    for sig, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # method field of the local and central header
        data[data.index(sig) + at:data.index(sig) + at + 2] = (9).to_bytes(2, "little")
    deflate64.write_bytes(bytes(data))
    cases["deflate64"] = deflate64
    expected = {"nested": "ZIP-NESTED", "link": "ZIP-PATH", "encrypted": "ZIP-ENCRYPTED", "damaged": "ZIP-BAD",
                "liar": "ZIP-BAD", "deflate64": "ZIP-METHOD"}
    for case, path in cases.items():
        sources, findings = zip_findings(path)
        assert [f.rule for f in findings] == [expected[case]], case
        assert [s.name for s in sources] == [path.name], case


def test_check_reports_a_rejected_zip_as_a_failed_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    make_zip(tmp_path / "bomb.zip", {"data/bomb.csv": b"0" * (8 << 20)})
    proc = subprocess.run([sys.executable, "-m", "carestats", "check", "--raw", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout.startswith("bomb.zip:1:data/bomb.csv: ZIP-RATIO: member expands")
    assert proc.stdout.splitlines()[-1] == "failed: bomb.zip"

