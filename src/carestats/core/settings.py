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
from carestats.core.vocabulary import THEMES

SCHEMA: dict[str, dict[str, type | tuple]] = {
    "report": {"year": int, "areas": (list, str), "neighbour_set": str, "sections": dict, "jobs": int},
    "branding": {"organisation": str, "logo": str, "primary_colour": str, "accent_colour": str},
    "paths": {"raw": str, "out": str, "indicators": list, "templates": list},
}
ENV = {"raw": "CARESTATS_RAW", "out": "CARESTATS_OUT", "year": "CARESTATS_YEAR", "jobs": "CARESTATS_JOBS"}
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
    skip_invalid: bool = False  # leave out files that fail the checks instead of stopping
    force: bool = False  # redo every stage, reusing nothing from the previous build
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
    # [paths]
    indicator_dirs: list[Path] = field(default_factory=list)
    template_dirs: list[Path] = field(default_factory=list)
    source: Path | None = None  # the carestats.toml that was read, if any

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
        return {"neighbour_set": self.neighbour_set}

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
            flat[key] = value
    return flat


RUN_FLAGS = ("until", "reports", "skip_invalid", "force")  # command-line only: never in carestats.toml


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
        if s.logo.suffix.lower() not in {".png", ".svg", ".jpg", ".jpeg"} or not s.logo.is_file():
            raise ConfigError(f"logo {s.logo} is not a PNG, SVG or JPEG file", "point logo at an image file")
    for key in ("primary_colour", "accent_colour"):
        if file.get(key):
            if not COLOUR.match(str(file[key])):
                raise ConfigError(f"[branding] {key} {file[key]!r} is not a colour", "write it as #RRGGBB")
            setattr(s, key, str(file[key]))
    s.indicator_dirs = [rel(p) for p in (flags.get("indicators") or file.get("indicators") or [])]  # type: ignore[union-attr]
    s.template_dirs = [rel(p) for p in (flags.get("templates") or file.get("templates") or [])]  # type: ignore[union-attr]
    for d in [*s.indicator_dirs, *s.template_dirs]:
        if not d.is_dir():
            raise ConfigError(f"folder {d} does not exist", "create it or fix the path in carestats.toml")
    return s
