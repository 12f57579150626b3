"""The web edition in a real browser (issue 15): Debian's headless Chromium driven by Playwright
(pytest-playwright), and axe-core from npm (node_modules/, installed by `make setup`) injected into each page.

Playwright is launched with executable_path=/usr/bin/chromium and never downloads a browser. Without
Chromium or axe-core these tests fail, naming the make target that installs them: they never skip. A
failing test leaves a screenshot (pytest-playwright's --screenshot=only-on-failure, in test-results/).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from test_site import site_build  # noqa: F401  (the shared real-data site build)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
# As the machine's notes say works here: no sandbox as root, and no background requests to other hosts.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"  # `npm ci` of package.json
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = ["index.html", "england.html", "la/E10000016-kent.html", "la/E06000001-hartlepool.html",
         "indicators/cla_rate_per_10k.html", "indicators/care_leavers_17_18_eet_pct.html", "accessibility.html"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    """pytest-playwright's launch arguments, with Debian's Chromium: Playwright fetches no browser."""
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: the browser tests need Debian's chromium; run `make setup` as "
                    f"root (it installs it)", pytrace=False)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": FLAGS}


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(f"no axe-core at {AXE}: run `make setup` (it runs `npm ci` for package.json)", pytrace=False)
    return AXE


def uri(site: Path, name: str) -> str:
    return (site / name).resolve().as_uri()


def axe_violations(page, axe: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(axe))
    return page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                         ".violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
                         TAGS)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_passes_axe_with_no_violation(page, site_build: Path, axe_source: Path, name: str) -> None:  # noqa: F811
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(uri(site_build / "site", name))
    violations = axe_violations(page, axe_source)
    assert violations == [], "\n".join(f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][:3]})"
                                       for v in violations)
    assert requested and all(u.startswith("file://") for u in requested), requested  # nothing from another host
    assert page.evaluate("document.documentElement.lang") == "en-GB"


def test_axe_reports_a_deliberate_violation(page, site_build: Path, axe_source: Path, tmp_path: Path) -> None:  # noqa: F811
    """The checker is proven to work: a copy of a council page with an image that has no text alternative."""
    site = site_build / "site"
    shutil.copytree(site / "assets", tmp_path / "assets")
    (tmp_path / "la").mkdir()
    text = (site / PAGES[2]).read_text(encoding="utf-8")
    broken = text.replace('<main id="main" tabindex="-1">',
                          '<main id="main" tabindex="-1"><img src="../assets/chart.png" width="40" height="40">', 1)
    assert broken != text
    (tmp_path / PAGES[2]).write_text(broken, encoding="utf-8")
    page.goto(uri(tmp_path, PAGES[2]))
    assert "image-alt" in {v["id"] for v in axe_violations(page, axe_source)}


def _tab_to(page, test: str, most: int) -> int:  # type: ignore[no-untyped-def]
    """Press Tab until `test` (a JavaScript expression on document.activeElement `el`) holds."""
    for i in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({test}); }})()"):
            return i + 1
    raise AssertionError(f"{test} not reached in {most} presses of Tab")


def test_keyboard_only_from_the_index_to_a_council_and_on_to_an_indicator(page, site_build: Path) -> None:  # noqa: F811
    page.goto(uri(site_build / "site", "index.html"))
    _tab_to(page, "el.classList.contains('skip')", 1)  # the skip link comes first, and shows when focused
    assert page.locator("a.skip").bounding_box()["x"] >= 0  # type: ignore[index]
    _tab_to(page, "el.id === 'q'", 40)
    page.keyboard.type("kent")
    assert page.locator("#count").inner_text().startswith("Showing 1 of ")  # said to screen readers (role=status)
    assert page.locator("#t-councils tbody tr:not([hidden])").count() == 1
    _tab_to(page, "el.tagName === 'A' && el.textContent.trim() === 'Kent'", 10)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")  # focus visible
    page.keyboard.press("Enter")
    page.wait_for_url("**/la/E10000016-kent.html")
    assert page.locator("h1").inner_text() == "Kent"
    _tab_to(page, "el.tagName === 'A' && el.getAttribute('href').includes('indicators/')", 200)
    target = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/" + target.replace("../", ""))
    assert page.locator("#t-ranked").count() == 1
    assert page.locator("#t-ranked a", has_text="Kent").count() == 1  # and every council is ranked on it


def test_the_region_filter_and_sorting_work(page, site_build: Path) -> None:  # noqa: F811
    page.goto(uri(site_build / "site", "index.html"))
    page.select_option("#region", "North East")
    shown = page.locator("#t-councils tbody tr:not([hidden])")
    assert 5 <= shown.count() < 20
    assert set(shown.locator("td:nth-child(3)").all_inner_texts()) == {"North East"}
    page.locator("#t-councils thead button", has_text="Code").click()
    assert page.locator("#t-councils thead th").nth(1).get_attribute("aria-sort") == "ascending"
    codes = shown.locator("td:nth-child(2)").all_inner_texts()
    assert codes == sorted(codes)


TABLES_JS = """() => Array.from(document.querySelectorAll('main table')).flatMap(t => {
  const caption = t.caption.innerText.trim().replace(/\\s+/g, ' ');
  const cols = Array.from(t.tHead.rows[0].cells).map(c => c.innerText.trim().replace(/\\s+/g, ' '));
  return Array.from(t.tBodies[0].rows).flatMap(r => {
    const head = r.cells[0].innerText.trim().replace(/\\s+/g, ' ');
    return Array.from(r.cells).slice(1).map((c, i) => [c, cols[i + 1]])
      .filter(([c]) => !c.hasAttribute('data-chart'))
      .map(([c, col]) => [caption, head, col, c.innerText.trim().replace(/\\s+/g, ' ')]);
  });
})"""


@pytest.mark.parametrize("name", [PAGES[2], PAGES[4], PAGES[1]])
def test_the_csv_download_equals_the_tables_shown(page, site_build: Path, tmp_path: Path, name: str) -> None:  # noqa: F811
    page.goto(uri(site_build / "site", name))
    shown = page.evaluate(TABLES_JS)
    with page.expect_download() as got:
        page.locator("a[download]").first.click()
    saved = tmp_path / "figures.csv"
    got.value.save_as(saved)
    with saved.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["table", "row", "column", "value"]
    assert len(shown) > 20
    assert rows[1:] == [[("'" + x if x.startswith(("=", "+", "-", "@")) else x) for x in r] for r in shown]
