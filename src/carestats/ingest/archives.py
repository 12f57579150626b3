"""Release zips, as downloaded from Explore Education Statistics (data/*.csv inside), read safely.

Members are read into memory, never extracted to disk, and only within limits checked before and
while decompressing: the archive's size, the number of members, each member's and the total declared
size, the compression ratio (zip bombs), and the bytes actually produced (a member cannot outgrow what
it declares). A member path that is absolute, climbs out (`..`), is a link, is encrypted or is itself
an archive rejects the whole zip with a finding: nothing from a rejected zip is used.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from carestats.core import paths
from carestats.core.errors import Finding

MiB = 1 << 20
# the compression methods Python's zipfile can read; any other (e.g. Deflate64) is refused by name
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
           zipfile.ZIP_LZMA: "lzma"}
NESTED = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst")


@dataclass(frozen=True)
class Limits:
    archive_bytes: int = 1024 * MiB  # the zip file itself
    member_bytes: int = 1024 * MiB  # one member, uncompressed
    total_bytes: int = 2048 * MiB  # all members, uncompressed
    members: int = 1000
    ratio: int = 200  # uncompressed / compressed, per member (real EES CSVs reach ~30)


LIMITS = Limits()


@dataclass
class Source:
    """One input: a plain file, a release zip, or a member of one (name `release.zip/data/x.csv`)."""

    path: Path
    name: str
    data: bytes
    archive: bool = False
    problem: str = ""  # why a zip was rejected (its findings say where)
    lazy: bool = False  # a plain file not read yet (data is b""): read_bytes() when it is wanted whole

    def read_bytes(self) -> bytes:
        return self.path.read_bytes() if self.lazy else self.data


class ArchiveRejected(Exception):
    def __init__(self, rule: str, message: str, hint: str, column: str = "") -> None:
        super().__init__(message)
        self.rule, self.message, self.hint, self.column = rule, message, hint, column


def display(path: Path, base: tuple[Path, Path]) -> str:
    """paths.display(path, raw), given paths.folder_names(raw): the name a file under raw goes by."""
    return paths.name_under(path, base) or path.as_posix()


def expand(files: Iterable[Path], raw: Path, findings: list[Finding], limits: Limits = LIMITS) -> Iterator[Source]:
    """Every input file as a Source; a zip yields itself, then its members (or nothing more if rejected)."""
    base = paths.folder_names(raw)  # once, not once per file
    for path in files:
        name = display(path, base)
        if path.suffix.lower() == ".zip":
            yield from read_zip(path, name, findings, limits)
        else:
            yield Source(path, name, b"", lazy=True)  # read by the caller once it knows it needs all of it


def read_zip(path: Path, name: str, findings: list[Finding], limits: Limits = LIMITS) -> Iterator[Source]:
    size = path.stat().st_size
    if size > limits.archive_bytes:
        findings.append(Finding(name, 1, "", "ZIP-LIMIT", f"archive is {size:,} bytes, above the limit of "
                                f"{limits.archive_bytes:,}", "unpack the release and pass its data folder"))
        yield Source(path, name, b"", archive=True, problem="archive too large")
        return
    data = path.read_bytes()
    try:
        members = _read_members(path, name, limits)
    except ArchiveRejected as exc:
        findings.append(Finding(name, 1, exc.column, exc.rule, exc.message, exc.hint))
        yield Source(path, name, data, archive=True, problem=exc.message)
        return
    yield Source(path, name, data, archive=True)
    for member, content in members:
        yield Source(path, f"{name}/{member}", content)


def _read_members(path: Path, name: str, limits: Limits) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            wanted = _screen(infos, limits)
            return [(i.filename, _read_capped(zf, i, limits)) for i in wanted]
    except ArchiveRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ArchiveRejected("ZIP-BAD", f"archive cannot be read: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                              "download the release zip again") from None


def _screen(infos: list[zipfile.ZipInfo], limits: Limits) -> list[zipfile.ZipInfo]:
    """Check every member's name, kind and declared size; return the members to read."""
    if len(infos) > limits.members:
        raise ArchiveRejected("ZIP-LIMIT", f"archive has {len(infos)} members, above the limit of {limits.members}",
                              "unpack the release and pass its data folder")
    seen: set[str] = set()
    total = 0
    wanted = []
    for info in infos:
        member = info.filename
        _check_name(member)
        if member in seen:
            raise ArchiveRejected("ZIP-PATH", "member appears twice in the archive", "download the release again",
                                  member)
        seen.add(member)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveRejected("ZIP-PATH", "member is a symbolic link", "unpack links by hand if you trust "
                                  "them", member)
        if info.flag_bits & 0x1:
            raise ArchiveRejected("ZIP-ENCRYPTED", "member is encrypted", "unpack it by hand", member)
        if info.compress_type not in METHODS:
            raise ArchiveRejected("ZIP-METHOD", f"member is compressed with method {info.compress_type}, which "
                                  f"carestats cannot read (it reads {', '.join(METHODS.values())})",
                                  "unpack the release by hand and pass its folder", member)
        if member.lower().endswith(NESTED):
            raise ArchiveRejected("ZIP-NESTED", "archive holds another archive", "unpack the inner archive "
                                  "yourself and pass the folder", member)
        if info.file_size > limits.member_bytes:
            raise ArchiveRejected("ZIP-LIMIT", f"member is {info.file_size:,} bytes uncompressed, above the "
                                  f"limit of {limits.member_bytes:,}", "unpack the release by hand", member)
        if info.file_size > limits.ratio * max(info.compress_size, 1) and info.file_size > MiB:
            raise ArchiveRejected("ZIP-RATIO", f"member expands {info.file_size // max(info.compress_size, 1):,} "
                                  f"times, above the limit of {limits.ratio} (a zip bomb?)",
                                  "download the release again from the publisher", member)
        total += info.file_size
        if total > limits.total_bytes:
            raise ArchiveRejected("ZIP-LIMIT", f"members add up to more than {limits.total_bytes:,} bytes",
                                  "unpack the release by hand", member)
        base = PurePosixPath(member).name
        if base.startswith(".") or member.startswith("__MACOSX/"):
            continue  # operating-system clutter, as hidden files in folders are skipped
        wanted.append(info)
    return wanted


def _check_name(member: str) -> None:
    parts = member.replace("\\", "/").split("/")
    bad = (
        "\x00" in member or "\\" in member or member.startswith("/") or ".." in parts
        or (len(member) > 1 and member[1] == ":") or not member.strip()
    )
    if bad:
        raise ArchiveRejected("ZIP-PATH", f"member path {member[:80]!r} is absolute or leaves the archive",
                              "download the release from the publisher; do not use this file")


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """Decompress one member, stopping as soon as it produces more than it declared or than the limits."""
    cap = min(info.file_size, limits.member_bytes)
    out = bytearray()
    with zf.open(info) as fh:
        while chunk := fh.read(MiB):
            out += chunk
            if len(out) > cap:
                raise ArchiveRejected("ZIP-LIMIT", "member produces more bytes than it declares",
                                      "download the release again from the publisher", info.filename)
    return bytes(out)
