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


@pytest.fixture(scope="module")
def digits():  # type: ignore[no-untyped-def]
    from codedcomp.codes.learned.data import load_dataset

    return load_dataset("digits")


@pytest.fixture(scope="module")
def f_digits(digits):  # type: ignore[no-untyped-def]
    """The cached Base-MLP on digits (needs PyTorch: only modules that require it ask)."""
    from codedcomp.codes.learned.base import base_model

    return base_model(digits, "mlp", 0)
