"""Stage 5, render: display rows → Jinja (autoescaped) → HTML → WeasyPrint → PDF.

The renderer may read only the packaged template assets: any other URL (http, a file elsewhere, an
attachment) stops the build. PDFs are tagged (PDF/UA-1), titled and dated from the data, so two builds
from the same inputs give the same bytes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import jinja2

from carestats import formatting, paths
from carestats.errors import CarestatsError, ConfigError


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
    env.globals["fmt_value"] = formatting.fmt_value
    env.globals["fmt_change"] = formatting.fmt_change
    env.globals["SYMBOLS"] = formatting.SYMBOLS
    return env


def make_fetcher(asset_dirs: list[Path]):  # type: ignore[no-untyped-def]
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    allowed = [d.resolve() for d in asset_dirs]

    class AssetFetcher(URLFetcher):
        """Serves file: URLs inside the template folders and nothing else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            if url.startswith("file:"):
                from urllib.request import url2pathname

                target = Path(url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:"))).resolve()
                if any(target.is_relative_to(d) for d in allowed) and target.is_file():
                    return super().fetch(url, headers)
            raise FatalURLFetchingError(f"blocked fetch of {url[:120]!r}: reports may only use packaged assets")

    return AssetFetcher()


def html_to_pdf(html: str, out: Path, template_dirs: list[Path] | None = None) -> None:
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    dirs = [*(template_dirs or []), paths.TEMPLATES_DIR]
    fetcher = make_fetcher(dirs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        doc = weasyprint.HTML(string=html, base_url=str(paths.TEMPLATES_DIR) + "/", url_fetcher=fetcher)
        doc.write_pdf(tmp, pdf_variant="pdf/ua-1", attachments=[], uncompressed_pdf=False)
    except FatalURLFetchingError as exc:
        tmp.unlink(missing_ok=True)
        raise RenderError(f"{out.name}: {exc}", "remove the link from the template or data") from None
    os.replace(tmp, out)
