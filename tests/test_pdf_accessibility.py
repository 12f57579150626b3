"""The PDFs' accessibility, read back with pikepdf from every PDF of the build (issue 15).

Each report is tagged (a structure tree, /MarkInfo /Marked), titled (a /Title the viewer shows) and in a
language (/Lang); every Figure in its structure tree carries an /Alt, and every table's header cells are
tagged TH. WeasyPrint writes an <img> without alt text as a Figure with no /Alt and says nothing but a log
line, so the checker is first shown to catch exactly that.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest


def structure(pdf: pikepdf.Pdf) -> list[tuple[str, pikepdf.Dictionary, tuple[str, ...]]]:
    """Every structure element: (its type, the element, the types of its ancestors)."""
    out = []
    todo = [(pdf.Root.StructTreeRoot.get("/K"), ())]
    while todo:
        node, above = todo.pop()
        if isinstance(node, pikepdf.Array):
            todo.extend((k, above) for k in reversed(list(node)))
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            kind = str(node.S)
            out.append((kind, node, above))
            if "/K" in node:
                todo.append((node.K, (*above, kind)))
    return out


def problems(path: Path) -> list[str]:
    """What keeps a PDF from being accessible, as this project checks it ([] when none)."""
    found = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        if "/StructTreeRoot" not in root or not root.get("/MarkInfo", {}).get("/Marked", False):
            return [f"{path.name}: not tagged"]
        if not str(root.get("/Lang", "")).strip():
            found.append(f"{path.name}: no /Lang")
        if not str(pdf.docinfo.get("/Title", "")).strip():
            found.append(f"{path.name}: no /Title")
        if not root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False):
            found.append(f"{path.name}: the viewer shows the file name, not the title")
        elements = structure(pdf)
        tables = 0
        headers_in: dict[int, int] = {}
        for kind, elem, above in elements:
            if kind == "/Figure" and not str(elem.get("/Alt", "")).strip():
                found.append(f"{path.name}: a Figure without /Alt (inside {'/'.join(above[-3:])})")
            if kind == "/Table":
                tables += 1
        # every table has header cells tagged TH (rows and columns of figures are never bare TD grids)
        count = 0
        for kind, elem, above in elements:
            if kind == "/Table":
                count += 1
                headers_in[count] = 0
            elif kind == "/TH" and "/Table" in above:
                headers_in[count] = headers_in.get(count, 0) + 1
        found += [f"{path.name}: table {n} has no TH" for n, ths in headers_in.items() if ths == 0]
        if tables and not any(k == "/TH" for k, _, _ in elements):
            found.append(f"{path.name}: no TH at all")
    return found


def _pdf(html: str, folder: Path) -> Path:
    import weasyprint

    out = folder / "probe.pdf"
    weasyprint.HTML(string=html, base_url=str(folder) + "/").write_pdf(out, pdf_variant="pdf/ua-1")
    return out


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20"/></svg>'
PAGE = ('<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Probe</title></head><body><h1>Probe</h1>'
        '{img}<table><caption>t</caption><thead><tr><th scope="col">Area</th><th scope="col">2025</th></tr></thead>'
        '<tbody><tr><th scope="row">Kent</th><td>1</td></tr></tbody></table></body></html>')


def test_the_checker_catches_an_image_without_alt_text(tmp_path: Path) -> None:
    (tmp_path / "chart.svg").write_text(SVG, encoding="utf-8")
    bad = problems(_pdf(PAGE.format(img='<img src="chart.svg">'), tmp_path))
    assert any("a Figure without /Alt" in p for p in bad), bad
    good = problems(_pdf(PAGE.format(img='<img src="chart.svg" alt="A black square">'), tmp_path))
    assert good == []


def test_the_checker_catches_a_table_without_header_cells(tmp_path: Path) -> None:
    html = PAGE.format(img="").replace('<th scope="col">', "<td>").replace('<th scope="row">', "<td>").replace("</th>", "</td>")
    assert any("has no TH" in p for p in problems(_pdf(html, tmp_path)))


@pytest.mark.slow
def test_every_pdf_of_the_build_is_tagged_titled_and_has_alt_text_and_table_headers(full_build: Path) -> None:
    pdfs = sorted((full_build / "reports").rglob("*.pdf"))
    assert len(pdfs) >= 150
    found = [p for pdf in pdfs for p in problems(pdf)]
    assert found == [], "\n".join(found[:20])
