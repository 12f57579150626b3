from __future__ import annotations

import os
from pathlib import Path

import pytest

from carestats.core import paths


def real_raw() -> Path:
    env = os.environ.get("CARESTATS_TEST_RAW")
    return Path(env).resolve() if env else paths.default_raw()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    raw = real_raw()
    if not raw.is_dir():
        pytest.fail(f"the published release files are not at {raw}; set CARESTATS_TEST_RAW")
    return raw


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    """One full build of the real published files, shared by the integration tests."""
    from carestats.pipeline.build import BuildOptions, run

    out = tmp_path_factory.mktemp("real") / "build"
    run(BuildOptions(raw=raw_dir, out=out))
    return out


@pytest.fixture(scope="session")
def real_values(real_build: Path):
    import polars as pl

    return pl.read_parquet(real_build / "indicators" / "indicator_values.parquet")
