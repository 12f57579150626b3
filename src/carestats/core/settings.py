"""The one settings object of a run: from the command line, the environment, carestats.toml and defaults.

Every stage reads `Settings`: where the inputs are and the outputs go, what the run is asked to do (the
last stage, reports or not, --skip-invalid, --force), the report year, areas, sections and branding, the
neighbour set and the number of workers. The render workers get it inside their job, as it is.

Precedence: flag > environment variable > carestats.toml > default. The file is found in the working
directory or given with --config (or CARESTATS_CONFIG). Unknown keys are an error that names the key and
lists the valid ones, so a typo never passes silently.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from carestats.core.errors import ConfigError
from carestats.core.vocabulary import DISCLOSURE_THRESHOLD, THEMES

SCHEMA: dict[str, dict[str, type | tuple]] = {
    "report": {"year": int, "areas": (list, str), "neighbour_set": str, "sections": dict, "jobs": int},
    "branding": {"organisation": str, "logo": str, "primary_colour": str, "accent_colour": str},
    "paths": {"raw": str, "out": str, "indicators": list, "templates": list},
    "disclosure": {"threshold": int},
    "ssda903": {"dir": str, "la": str},
}
ENV = {"raw": "CARESTATS_RAW", "out": "CARESTATS_OUT", "year": "CARESTATS_YEAR", "jobs": "CARESTATS_JOBS",
       "threshold": "CARESTATS_DISCLOSURE_THRESHOLD"}
# The smallest and largest disclosure thresholds accepted: below 5 goes under the DfE's rule (counts 1 to 5
# are suppressed; docs/disclosure.md), and a threshold far above it would hide most of a council's figures.
THRESHOLD_MIN, THRESHOLD_MAX = DISCLOSURE_THRESHOLD, 100
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
NEIGHBOUR_SETS = {"auto", "2021", "2025"}


STAGES = ("ingest", "stage", "compute", "render")


@dataclass
class Settings:
    raw: Path | None = None
    out: Path = Path("build")
    # what this run is asked to do (command-line only)
    until: str = "render"  # the last stage to run: ingest, stage, compute or render
    reports: bool = True  # render the reports (when until is render)
    site: bool = True  # write the web edition, build/site/ (when until is render)
    skip_invalid: bool = False  # leave out files that fail the checks instead of stopping
    force: bool = False  # redo every stage, reusing nothing from the previous build
    require_complete: bool = False  # fail when any indicator would be empty (for CI)
    unsuppressed: bool = False  # the council's internal edition: no disclosure control, every page marked
    # [report]
    year: int | None = None
    areas: list[str] | None = None  # None: every LA in the report year
    neighbour_set: str = "auto"
    sections: dict[str, bool] = field(default_factory=lambda: {t: True for t in THEMES})
    jobs: int = 0  # 0: all cores
    # [branding]
    organisation: str = ""
    logo: Path | None = None
    primary_colour: str = "#0b3d63"
    accent_colour: str = "#0072B2"
    # [disclosure]
    threshold: int = DISCLOSURE_THRESHOLD  # counts from 1 to this (and shares built on them) are shown as c
    # [paths]
    indicator_dirs: list[Path] = field(default_factory=list)
    template_dirs: list[Path] = field(default_factory=list)
    source: Path | None = None  # the carestats.toml that was read, if any
    # [ssda903]: the council's own child-level returns (one folder per collection year) and its code
    ssda903: Path | None = None
    la: str | None = None

    def themes(self) -> list[tuple[str, str]]:
        """The report sections switched on, in the reports' order: (theme id, title)."""
        return [(t, title) for t, title in THEMES.items() if self.sections.get(t, True)]

    @property
    def logo_uri(self) -> str:
        """The logo as a file: URI for the templates ('' without a logo)."""
        return Path(self.logo).resolve().as_uri() if self.logo else ""

    @property
    def workers(self) -> int:
        """Render worker processes: `jobs`, or every core when it is 0."""
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)

    def data_choices(self) -> dict[str, object]:
        """The settings that change figures (the warehouse and exports), for the cache keys."""
        choices: dict[str, object] = {"neighbour_set": self.neighbour_set}
        if self.ssda903 is not None:  # a build without returns keeps the keys it had before
            choices.update(ssda903=str(self.ssda903), la=self.la, unsuppressed=self.unsuppressed,
                           threshold=self.threshold)
        return choices

    def report_choices(self) -> dict[str, object]:
        """The settings that change reports but not figures, for the cache keys."""
        return {"year": self.year, "areas": self.areas, "sections": self.sections,
                "organisation": self.organisation, "primary_colour": self.primary_colour,
                "accent_colour": self.accent_colour, "logo": self.logo}


def find_config(explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} not found", "check the --config path")
        return explicit
    env = os.environ.get("CARESTATS_CONFIG")
    if env:
        return find_config(Path(env))
    here = Path.cwd() / "carestats.toml"
    return here if here.is_file() else None


def _typed(name: str, section: str, key: str, value: object, want: type | tuple) -> None:
    kinds = want if isinstance(want, tuple) else (want,)
    if not isinstance(value, kinds) or (int in kinds and isinstance(value, bool)):
        names = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(f"{name}: [{section}] {key} must be a {names}, not {value!r}", "fix the value")


def read_file(path: Path) -> dict[str, object]:
    name = path.name
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})", "fix the syntax on that line") from exc
    flat: dict[str, object] = {}
    for section, body in doc.items():
        if section not in SCHEMA:
            raise ConfigError(f"{name}: unknown section [{section}]", f"valid sections are {', '.join(SCHEMA)}")
        if not isinstance(body, dict):
            raise ConfigError(f"{name}: {section} must be a [section] table", f"write [{section}]")
        for key, value in body.items():
            if key not in SCHEMA[section]:
                raise ConfigError(f"{name}: unknown key {key!r} in [{section}]",
                                  f"valid keys are {', '.join(SCHEMA[section])}")
            _typed(name, section, key, value, SCHEMA[section][key])
            flat[f"ssda903_{key}" if section == "ssda903" else key] = value
    return flat


# command-line only: never in carestats.toml (an unsuppressed edition is asked for each time, never by default)
RUN_FLAGS = ("until", "reports", "site", "skip_invalid", "force", "require_complete", "unsuppressed")


def load(config: Path | None = None, **flags: object) -> Settings:
    """Resolve the settings; `flags` holds command-line values (None when the flag was not given)."""
    path = find_config(config)
    base = path.parent.resolve() if path else Path.cwd()
    file = read_file(path) if path else {}
    s = Settings(source=path)
    for key in RUN_FLAGS:
        if flags.get(key) is not None:
            setattr(s, key, flags[key])
    if s.until not in STAGES:
        raise ConfigError(f"unknown stage {s.until!r}", f"use one of {', '.join(STAGES)}")

    def pick(key: str) -> object:
        if flags.get(key) is not None:
            return flags[key]
        if key in ENV and os.environ.get(ENV[key]):
            return os.environ[ENV[key]]
        return file.get(key)

    def rel(p: object) -> Path:
        q = Path(str(p)).expanduser()
        return q if q.is_absolute() else base / q

    if (v := pick("raw")) is not None:
        s.raw = Path(str(v)) if flags.get("raw") is not None or os.environ.get(ENV["raw"]) else rel(v)
    if (v := flags.get("ssda903") or file.get("ssda903_dir")) is not None:
        s.ssda903 = Path(str(v)) if flags.get("ssda903") is not None else rel(v)
    if (v := flags.get("la") or file.get("ssda903_la")) is not None:
        if not re.fullmatch(r"E\d{8}", str(v)):
            raise ConfigError(f"la {v!r} is not a local authority code", "use the council's code, such as E10000016")
        s.la = str(v)
    if s.ssda903 is not None and s.la is None:
        raise ConfigError("--ssda903 needs the council's code", "add --la E10000016 (or la = … under [ssda903])")
    if s.ssda903 is not None and not s.ssda903.is_dir():
        raise ConfigError(f"{s.ssda903}: the SSDA903 folder does not exist",
                          "give --ssda903 the folder holding the year folders (2024-25/ …)")
    if s.la is not None and s.ssda903 is None:
        raise ConfigError("--la is for a council's own SSDA903 returns", "add --ssda903 DIR (or dir = … under [ssda903])")
    if (v := pick("out")) is not None:
        s.out = Path(str(v)) if flags.get("out") is not None or os.environ.get(ENV["out"]) else rel(v)
    if (v := pick("year")) is not None:
        try:
            s.year = int(str(v))
        except ValueError:
            raise ConfigError(f"report year {v!r} is not a year", "give a year such as 2025") from None
    if (v := pick("jobs")) is not None:
        s.jobs = int(str(v))
    if (v := pick("areas")) is not None and v != "all":
        codes = [v] if isinstance(v, str) else list(v)  # type: ignore[arg-type]
        bad = [c for c in codes if not re.fullmatch(r"E\d{8}", str(c))]
        if bad:
            raise ConfigError(f"areas: {bad[0]!r} is not a local authority code", "use codes such as E10000016")
        s.areas = [str(c) for c in codes]
    if (v := pick("threshold")) is not None:
        given = flags.get("threshold") is not None or os.environ.get(ENV["threshold"])
        s.threshold = _threshold(v, "" if given else _where(path, "threshold"))
    if (v := pick("neighbour_set")) is not None:
        if v not in NEIGHBOUR_SETS:
            raise ConfigError(f"neighbour_set {v!r} is not valid", f"use one of {', '.join(sorted(NEIGHBOUR_SETS))}")
        s.neighbour_set = str(v)
    for key, value in dict(file.get("sections") or {}).items():  # type: ignore[call-overload]
        if key not in THEMES:
            raise ConfigError(f"unknown section {key!r} in [report] sections", f"valid ones are {', '.join(THEMES)}")
        if not isinstance(value, bool):
            raise ConfigError(f"[report] sections.{key} must be true or false", "write true or false")
        s.sections[key] = value
    s.organisation = str(file.get("organisation") or "")
    if file.get("logo"):
        s.logo = rel(file["logo"])
        check_logo(s.logo, _where(path, "logo"))
    for key in ("primary_colour", "accent_colour"):
        if file.get(key):
            if not COLOUR.match(str(file[key])):
                raise ConfigError(f"[branding] {key} {file[key]!r} is not a colour", "write it as #RRGGBB")
            setattr(s, key, str(file[key]))
            check_contrast(key, str(file[key]), _where(path, key))
    s.indicator_dirs = [rel(p) for p in (flags.get("indicators") or file.get("indicators") or [])]  # type: ignore[union-attr]
    s.template_dirs = [rel(p) for p in (flags.get("templates") or file.get("templates") or [])]  # type: ignore[union-attr]
    for d in [*s.indicator_dirs, *s.template_dirs]:
        if not d.is_dir():
            raise ConfigError(f"folder {d} does not exist", "create it or fix the path in carestats.toml")
    return s


def _threshold(value: object, where: str) -> int:
    try:
        n = int(str(value))
    except ValueError:
        raise ConfigError(f"{where}disclosure threshold {value!r} is not a whole number",
                          "give a whole number such as 5") from None
    if not THRESHOLD_MIN <= n <= THRESHOLD_MAX:
        raise ConfigError(f"{where}disclosure threshold {n} is outside {THRESHOLD_MIN} to {THRESHOLD_MAX}",
                          f"use {THRESHOLD_MIN} (the DfE's rule) or more; see docs/disclosure.md")
    return n


# Where each branding colour is used as text, and the background it sits on (templates/report.css: h1, h2,
# h3, .tile-value and the trend tables' group headings in the primary colour; .kicker in the accent colour,
# all on the white page). WCAG 2.x asks for 4.5:1 for text of normal size.
TEXT_USES = {"primary_colour": [("headings and headline figures", "#ffffff")],
             "accent_colour": [("the line above each title", "#ffffff")]}
MIN_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of #RRGGBB."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG 2.x contrast ratio of two #RRGGBB colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def check_contrast(key: str, colour: str, where: str) -> None:
    for use, background in TEXT_USES.get(key, []):
        ratio = contrast(colour, background)
        if ratio < MIN_CONTRAST:
            shown = f"{int(ratio * 10) / 10:.1f}"  # rounded down: 4.49 never shows as 4.5
            raise ConfigError(f"{where}[branding] {key} {colour} has a contrast of {shown}:1 against the page "
                              f"({background}) where it is the colour of {use}; text needs at least "
                              f"{MIN_CONTRAST}:1 (WCAG 2.x)", "choose a darker colour, such as #0b3d63")


def _where(path: Path | None, key: str) -> str:
    """'carestats.toml:LINE:COLUMN: ' of `key = value` in the settings file (its value's column)."""
    if path is None:
        return ""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(rf"\s*{re.escape(key)}\s*=\s*", line)
        if m:
            return f"{path.name}:{n}:{m.end() + 1}: "
    return f"{path.name}: "


LOGO_KINDS = {".png", ".svg", ".jpg", ".jpeg"}


def check_logo(logo: Path, where: str) -> None:
    """The logo exists, is a PNG, JPEG or SVG file, and an SVG reaches nothing outside itself."""
    if not logo.exists():
        raise ConfigError(f"{where}[branding] logo {logo} does not exist",
                          "check the path (it is relative to carestats.toml) or remove the logo line")
    if logo.suffix.lower() not in LOGO_KINDS or not logo.is_file():
        raise ConfigError(f"{where}[branding] logo {logo} is not a PNG, SVG or JPEG file",
                          "point logo at an image file")
    if logo.suffix.lower() == ".svg":
        check_svg(logo)


OUTSIDE_URL = re.compile(r"url\(\s*(?!['\"]?#)[^)]*\)", re.IGNORECASE)
IMPORT = re.compile(r"@import\b", re.IGNORECASE)


def check_svg(logo: Path) -> None:
    """Refuse an SVG that refers to anything outside itself: href/xlink:href to anything but a #fragment,
    url(...) to anything but a #fragment, @import, a DOCTYPE or entities. Parsed with expat, which never
    fetches anything; a DOCTYPE is refused before any entity in it could be expanded."""
    from xml.parsers import expat

    name = logo.name
    parser = expat.ParserCreate(namespace_separator=" ")

    texts: list[tuple[int, int, list[str]]] = []  # per open element: where it starts, its text

    def refuse(what: str, hint: str, at: tuple[int, int] | None = None) -> None:
        line, col = at or (parser.CurrentLineNumber, parser.CurrentColumnNumber)
        raise ConfigError(f"{name}:{line}:{col + 1}: the SVG logo {what}", hint)

    def doctype(*_: object) -> None:
        refuse("has a DOCTYPE (which may declare entities or fetch a DTD)", "remove the <!DOCTYPE …> line")

    def entity(*_: object) -> None:
        refuse("declares an entity (DOCTYPE)", "remove the <!DOCTYPE …> and <!ENTITY …> declarations")

    def scan(text: str, at: tuple[int, int] | None = None) -> None:
        if IMPORT.search(text):
            refuse("uses @import", "put the styles inside the SVG file", at)
        m = OUTSIDE_URL.search(text)
        if m:
            refuse(f"refers to {m.group(0)} outside the file", "embed the resource, or refer to #id inside it", at)

    def start(tag: str, attrs: dict[str, str]) -> None:
        for attr, value in attrs.items():
            local = attr.rsplit(" ", 1)[-1]
            if local == "href" and not value.strip().startswith("#"):
                refuse(f"links to {value} (only #fragments inside the file are allowed)",
                       "embed the image as data in the file, or remove the link")
            scan(value)
        texts.append((parser.CurrentLineNumber, parser.CurrentColumnNumber, []))

    def end(tag: str) -> None:
        line, col, parts = texts.pop()
        scan("".join(parts), (line, col))  # the element's whole text (a <style> sheet), at its start

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = lambda *a: refuse("refers to an external entity", "remove it") or 0
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda text: texts[-1][2].append(text) if texts else None
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(logo.read_bytes(), True)
    except expat.ExpatError as exc:
        raise ConfigError(f"{name}:{exc.lineno}:{exc.offset + 1}: the SVG logo is not valid XML "
                          f"({expat.ErrorString(exc.code)})",
                          "open it in an editor and fix the file, or export it again") from None
