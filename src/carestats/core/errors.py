"""The errors carestats reports to its users: one line each, with what to do about it."""

from __future__ import annotations

from dataclasses import dataclass


class CarestatsError(Exception):
    """A failure the user can act on. `str()` gives the one-line message shown by the CLI."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class DataError(CarestatsError):
    """An input file that cannot be used as it is."""


class ConfigError(CarestatsError):
    """A bad option, configuration value or indicator definition."""


class QueryError(CarestatsError):
    """A query in queries/ (or a user's own) that failed or returned the wrong shape."""


@dataclass(frozen=True)
class Finding:
    """One located problem in an input file: FILE:LINE:COLUMN: RULE: message — what to do."""

    path: str
    line: int
    column: str
    rule: str
    message: str
    hint: str
    severity: str = "error"  # "error" stops a build; "warning" is reported and the file loads

    def format(self) -> str:
        where = f"{self.path}:{self.line}:{self.column or '-'}"
        text = f"{where}: {self.rule}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class CheckFailed(DataError):
    """Raised when `check` finds errors; carries every finding."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        super().__init__(
            f"{len(errors)} input problem(s) found; nothing was written",
            "fix the files listed above, or re-run with --skip-invalid to build from the valid files only",
        )
