"""Recorded initial delays replayed as a delay model: ``trace:PATH``.

A trace holds rows of per-worker initial delays, one row per recorded trial.  Reading chosen for
"sampled with replacement by trial": each simulated trial draws one recorded row uniformly with
replacement; if the simulation has a different number of workers than the row, the row's workers
are themselves drawn with replacement (so a small trace still drives a large simulation).
``mean`` and ``quantile`` are those of the empirical distribution of all recorded delays.

Accepted files:

* CSV: one row per trial, one column per worker; a header line of non-numbers is skipped;
  a single column is read as one trial of many workers.
* JSON: a list of numbers (one trial), a list of lists, ``{"delays": [[...], ...]}``, or a
  codedcomp run/trace document whose ``trials[*].workers[*].injected_delay`` it reads.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from .base import DelayModel


def _rows_from_json(doc: Any) -> list[list[float]]:
    if isinstance(doc, dict):
        if "delays" in doc:
            return _rows_from_json(doc["delays"])
        if "trials" in doc:
            rows = []
            for trial in doc["trials"]:
                rows.append([float(w["injected_delay"]) for w in trial["workers"]])
            return rows
        raise ValueError("trace JSON: expected a list, {'delays': ...} or {'trials': ...}")
    if isinstance(doc, list) and doc and all(isinstance(v, (int, float)) for v in doc):
        return [[float(v) for v in doc]]
    if isinstance(doc, list):
        return [[float(v) for v in row] for row in doc]
    raise ValueError("trace JSON: expected a list of delays")


def _rows_from_csv(path: Path) -> list[list[float]]:
    rows: list[list[float]] = []
    with path.open(newline="") as fh:
        for i, raw in enumerate(csv.reader(fh)):
            cells = [c.strip() for c in raw if c.strip()]
            if not cells:
                continue
            try:
                rows.append([float(c) for c in cells])
            except ValueError:
                if i == 0:
                    continue  # header
                raise ValueError(f"trace {path}: row {i + 1} is not numeric") from None
    if rows and all(len(r) == 1 for r in rows):
        rows = [[r[0] for r in rows]]
    return rows


class TraceDelay(DelayModel):
    """Empirical initial delays, from a file or from rows given directly."""

    def __init__(self, *, path: str | None = None, rows: list[list[float]] | None = None) -> None:
        if rows is None:
            if path is None:
                raise ValueError("trace: give a PATH (trace:PATH) or rows")
            p = Path(path)
            if not p.is_file():
                raise ValueError(f"trace: no such file {path!r}")
            head = p.read_text()[:64].lstrip()
            if p.suffix.lower() == ".json" or head[:1] in ("{", "["):
                rows = _rows_from_json(json.loads(p.read_text()))
            else:
                rows = _rows_from_csv(p)
        if not rows or not all(rows):
            raise ValueError(f"trace {path or ''}: holds no delays".replace("  ", " "))
        arrays = [np.asarray(r, dtype=float) for r in rows]
        for a in arrays:
            if not np.all(np.isfinite(a)) or np.any(a < 0):
                raise ValueError(f"trace {path or ''}: delays must be finite and >= 0")
        self.path = path
        self.rows = arrays
        self._all = np.sort(np.concatenate(arrays))

    def _draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        workers = shape[-1] if shape else 1
        n_trials = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        out = np.empty((n_trials, workers))
        picks = rng.integers(len(self.rows), size=n_trials)
        for t, k in enumerate(picks):
            row = self.rows[k]
            out[t] = row if len(row) == workers else rng.choice(row, size=workers, replace=True)
        return out.reshape(shape) if shape else out.reshape(())

    @property
    def mean(self) -> float:
        return float(self._all.mean())

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        return np.searchsorted(self._all, np.asarray(t, dtype=float), side="right") / self._all.size

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        return np.quantile(self._all, q)
