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


class _Bad(ValueError):
    """What is wrong with a trace, without the file name (added by the reader)."""


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad(f"{where} is {json.dumps(v)[:40]}, not a number")
    return float(v)


def _row(values: Any, where: str) -> list[float]:
    if not isinstance(values, list):
        raise _Bad(f"{where} is {type(values).__name__}, not a list of delays")
    return [_number(v, f"{where}[{i}]") for i, v in enumerate(values)]


def _rows_from_json(doc: Any) -> list[list[float]]:
    if isinstance(doc, dict):
        if "delays" in doc:
            return _rows_from_json(doc["delays"])
        if "trials" in doc:
            trials = doc["trials"]
            if not isinstance(trials, list):
                raise _Bad("'trials' is not a list of traces")
            rows = []
            for t, trial in enumerate(trials):
                workers = trial.get("workers") if isinstance(trial, dict) else None
                if not isinstance(workers, list):
                    raise _Bad(f"trials[{t}] has no 'workers' list")
                rows.append(
                    [
                        _number(
                            w.get("injected_delay") if isinstance(w, dict) else w,
                            f"trials[{t}].workers[{j}].injected_delay",
                        )
                        for j, w in enumerate(workers)
                    ]
                )
            return rows
        raise _Bad("expected a list of delays, a list of lists, {'delays': ...} or {'trials': ...}")
    if isinstance(doc, list) and doc and not any(isinstance(v, list) for v in doc):
        return [_row(doc, "delays")]
    if isinstance(doc, list):
        return [_row(row, f"row {i}") for i, row in enumerate(doc)]
    raise _Bad(f"expected a list of delays, got {type(doc).__name__}")


def _rows_from_csv(text: str) -> list[list[float]]:
    rows: list[list[float]] = []
    for i, raw in enumerate(csv.reader(text.splitlines())):
        cells = [c.strip() for c in raw if c.strip()]
        if not cells:
            continue
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            if i == 0:
                continue  # header
            raise _Bad(f"row {i + 1} is not numeric") from None
    if rows and all(len(r) == 1 for r in rows):
        rows = [[r[0] for r in rows]]
    return rows


def read_rows(path: str) -> list[list[float]]:
    """Rows of delays from a trace file; one line naming the file and the problem otherwise."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"trace {path}: is a directory, not a trace file")
    if not p.is_file():
        raise ValueError(f"trace {path}: no such file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ValueError(f"trace {path}: cannot read ({e.strerror or e})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"trace {path}: not a text file (CSV or JSON expected)") from None
    head = text.lstrip()[:1]
    try:
        if p.suffix.lower() == ".json" or head in ("{", "["):
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as e:
                raise _Bad(f"broken JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
            return _rows_from_json(doc)
        return _rows_from_csv(text)
    except _Bad as e:
        raise ValueError(f"trace {path}: {e}") from None


class TraceDelay(DelayModel):
    """Empirical initial delays, from a file or from rows given directly."""

    def __init__(self, *, path: str | None = None, rows: list[list[float]] | None = None) -> None:
        if rows is None:
            if path is None:
                raise ValueError("trace: give a PATH (trace:PATH) or rows")
            rows = read_rows(path)
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
