"""What `carestats check` prints: one line per finding, the files of no use, and a summary."""

from __future__ import annotations

from carestats.core.errors import Finding


def finding_line(f: Finding) -> str:
    """The one line `carestats check` prints; a warning says so after the rule id."""
    if f.severity == "error":
        return f.format()
    return Finding(f.path, f.line, f.column, f.rule, f"warning: {f.message}", f.hint).format()


def report(files: list, findings: list[Finding], quiet: bool = False) -> tuple[list[str], bool]:
    """The lines `carestats check` prints, and whether the check failed.

    Every finding is one line (warnings marked as such; `quiet` keeps the errors only), then the files
    that were read but are of no use to carestats, then a summary. A folder without a single data file
    that passes fails the check, with a line that says so.
    """
    errors = [f for f in findings if f.severity == "error"]
    lines = [finding_line(f) for f in findings if f.severity == "error" or not quiet]
    by_status: dict[str, list] = {}
    for info in files:
        by_status.setdefault(info.status, []).append(info)
    if not quiet:
        lines += [f"unused: {i.name} ({i.reason})" for i in by_status.get("unused", [])]
        lines += [f"duplicate: {i.name} ({i.reason})" for i in by_status.get("duplicate", [])]
    failed = by_status.get("invalid", [])
    no_data = not by_status.get("loaded") and not errors and not failed
    if no_data:  # an empty folder, or one of other files only: nothing failed, yet nothing passes
        lines.append(f"error: no data files: none of the {len(files)} file(s) is a release data file — point --raw "
                     "at the folder holding the downloaded release files (CSV, ODS, XLSX or release zip)")
    lines.append(f"{len(files)} files: {len(by_status.get('loaded', []))} data files pass, {len(failed)} fail, "
                 f"{len(by_status.get('unused', []))} unused; {len(errors)} error(s), "
                 f"{len(findings) - len(errors)} warning(s)")
    if failed:
        lines.append("failed: " + ", ".join(i.name for i in failed))
    return lines, bool(errors) or no_data
