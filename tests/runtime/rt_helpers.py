"""Tiny workloads for the runtime tests (importable by the local backend's host processes)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from codedcomp.workloads.base import Workload


class Poly(Workload):
    """f_i(x) = (i + 1)·x + i² on a vector x: every partial sum distinct, exact in float64."""

    name = "poly"

    def __init__(self, m: int, dim: int = 3) -> None:
        self.m = m
        self.dim = dim

    def input(self, rng: np.random.Generator) -> Any:
        return rng.standard_normal(self.dim)

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        i = np.asarray(indices, dtype=float)
        return np.asarray((i + 1).sum() * x + (i**2).sum(), dtype=float)


class Boom(Poly):
    """Like :class:`Poly`, but any task that contains function ``bad`` raises ``ValueError``."""

    def __init__(self, m: int, bad: int) -> None:
        super().__init__(m)
        self.bad = bad

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        if self.bad in np.asarray(indices):
            raise ValueError(f"boom in f_{self.bad}")
        return super().partial(indices, x)

    def exact(self, x: Any) -> np.ndarray:
        return super().partial(np.arange(self.m), x)


class ExitOnce(Poly):
    """The first host process to evaluate function ``bad`` really dies (``os._exit``).

    Never in the process that built it (the test's own process, which also computes ``exact``).
    """

    def __init__(self, m: int, bad: int, marker: str) -> None:
        super().__init__(m)
        self.bad = bad
        self.marker = marker
        self.owner = os.getpid()

    def exact(self, x: Any) -> np.ndarray:
        return Poly.partial(self, np.arange(self.m), x)

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        if self.bad in np.asarray(indices) and os.getpid() != self.owner:
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.close(fd)
                os._exit(17)
        return super().partial(indices, x)


class Stuck(Poly):
    """Function ``bad`` never returns (a real hang inside f_i, not an injected one)."""

    def __init__(self, m: int, bad: int) -> None:
        super().__init__(m)
        self.bad = bad

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        if self.bad in np.asarray(indices):
            time.sleep(600)
        return super().partial(indices, x)

    def exact(self, x: Any) -> np.ndarray:
        return Poly.partial(self, np.arange(self.m), x)


def marker_path(tmp: Path) -> str:
    return str(tmp / "exited")


def make_policy(scheme: Any, m: int, workers: int, rng: np.random.Generator) -> Any:
    """The policy a real run drives for ``scheme`` (its plan, or a pull queue for ideal)."""
    from codedcomp.core.context import JobContext

    return scheme.policy(JobContext(m=m, workers=workers, tau=0.0, executor="run"), rng)


class Blocks(Workload):
    """A workload whose tasks read the job's data: task payload ``j`` returns ``A_j @ x`` and
    whether the block it read was a shared-memory map (so tests see how data travelled)."""

    name = "blocks"

    def __init__(self, m: int) -> None:
        self.m = m

    def input(self, rng: np.random.Generator) -> Any:
        return rng.standard_normal(4)

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:  # pragma: no cover - unused
        raise NotImplementedError

    def compute(self, payload: Any, x: Any, data: Any = None) -> Any:
        block = data[f"A{int(payload)}"]
        return np.append(np.asarray(block) @ x, float(isinstance(block, np.memmap)))


class HangOnce(Poly):
    """The first call of a task holding function ``bad`` hangs for ``seconds`` (a transient
    hang: later calls return); the master's reference never hangs."""

    def __init__(self, m: int, bad: int, marker: str, seconds: float = 30.0) -> None:
        super().__init__(m)
        self.bad = bad
        self.marker = marker
        self.seconds = seconds

    def exact(self, x: Any) -> np.ndarray:
        return Poly.partial(self, np.arange(self.m), x)

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        if self.bad in np.asarray(indices):
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.close(fd)
                time.sleep(self.seconds)
        return super().partial(indices, x)


class AlwaysRaises(Poly):
    """Every call raises (the master's reference too)."""

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        raise RuntimeError("always broken")


class AlwaysHangs(Poly):
    """Every call hangs for ``seconds`` (the master's reference too)."""

    def __init__(self, m: int, seconds: float = 30.0) -> None:
        super().__init__(m)
        self.seconds = seconds

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        time.sleep(self.seconds)
        return super().partial(indices, x)


class KeyedBlocks(Blocks):
    """:class:`Blocks` that declares what each task reads (``data_keys``) and returns, beside
    ``A_j @ x``, how many arrays of the job data its host held when the task ran."""

    def compute(self, payload: Any, x: Any, data: Any = None) -> Any:
        block = data[f"A{int(payload)}"]
        held = len(getattr(data, "fetched", data))
        return np.append(np.asarray(block) @ x, float(held))

    def data_keys(self, payload: Any) -> list[str] | None:
        return [f"A{int(payload)}"]
