"""Shared fixtures of the learned-code tests: a private cache directory, the digits data set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test uses one fresh cache directory: base models are trained once per session."""
    mp = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("codedcomp-cache")
    mp.setenv("CODEDCOMP_CACHE_DIR", str(path))
    yield path
    mp.undo()
