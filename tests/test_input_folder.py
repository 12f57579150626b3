"""The input folder: which files are read, and the names they go by, when its folders are links."""

from __future__ import annotations

import os
from pathlib import Path

from carestats.core import fingerprint, paths
from carestats.ingest.files import discover
from carestats.pipeline.inputs import read_inputs

DATA = ("time_period,time_identifier,geographic_level,country_code,country_name,population_type,children_count,"
        "population_estimate,rate_per_10000\n"
        "2025,Reporting year,National,E92000001,England,Children looked after on 31 March each year,81770,12183016,67\n")


def linked_folder(tmp_path: Path) -> Path:
    """raw/ holding a link to a downloads folder elsewhere, a link back up to raw/ itself, a hidden file and
    the folder's README.md."""
    downloads = tmp_path / "downloads" / "cla-2025"
    downloads.mkdir(parents=True)
    (downloads / "cla_number_and_rate_per_10k_children.csv").write_text(DATA, encoding="utf-8")
    (downloads / ".~lock.cla_number_and_rate_per_10k_children.csv#").write_text("x", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    os.symlink(downloads, raw / "cla")
    os.symlink(raw, raw / "again")  # a loop: the walk must end
    (raw / "README.md").write_text("where these came from\n", encoding="utf-8")
    return raw


def test_a_folder_that_is_a_link_is_read_and_its_files_keep_the_links_name(tmp_path: Path) -> None:
    raw = linked_folder(tmp_path)
    found = discover(raw)
    assert [paths.display(p, raw) for p in found] == ["cla/cla_number_and_rate_per_10k_children.csv"]
    # the cache key hashes exactly what ingest reads (and the README, which ingest leaves out)
    assert [p for p in fingerprint.files_under(raw) if p.name != "README.md"] == found
    result = read_inputs(raw)
    assert [(f.name, f.status, f.rows) for f in result.files] == [
        ("cla/cla_number_and_rate_per_10k_children.csv", "loaded", 1)]


def test_a_file_outside_the_folder_is_named_by_its_own_path(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text(DATA, encoding="utf-8")
    (tmp_path / "raw").mkdir()
    assert paths.display(elsewhere, tmp_path / "raw") == elsewhere.as_posix()
    assert paths.display(elsewhere, tmp_path) == "elsewhere.csv"
