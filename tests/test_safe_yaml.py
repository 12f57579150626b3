from __future__ import annotations

import pytest
import yaml

from carestats.core import paths, safe_yaml
from carestats.core import sqlfile as registry


def test_the_fast_loader_reads_every_project_file_as_the_pure_python_one_does() -> None:
    files = sorted(paths.QUERIES_DIR.rglob("*.yaml"))
    assert files
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert safe_yaml.load(text) == yaml.safe_load(text), f.name
    for f in sorted((paths.QUERIES_DIR / "indicators").glob("*.sql")):
        header = registry.HEADER.match(f.read_text(encoding="utf-8")).group(1)
        assert safe_yaml.load(header) == yaml.safe_load(header), f.name


def test_libyaml_is_used_where_pyyaml_has_it() -> None:
    if yaml.__with_libyaml__:
        assert safe_yaml.SAFE_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("text", ["!!python/object/apply:os.system ['true']", "x: !!python/name:os.system"])
def test_python_tags_are_refused_not_run(text: str) -> None:
    with pytest.raises(safe_yaml.YAMLError):
        safe_yaml.load(text)


def test_a_bad_header_still_names_its_line(tmp_path) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text("/*\nid: x\ntitle: [unclosed\n*/\nselect 1\n", encoding="utf-8")
    with pytest.raises(registry.ConfigError) as err:
        registry.split_header(bad)
    assert "bad.sql:4: the metadata header is not valid YAML" in str(err.value)  # as with the pure-Python loader
