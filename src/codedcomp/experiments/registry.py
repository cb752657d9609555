"""The registry behind ``codedcomp reproduce`` (DESIGN.md "CLI"; papers 000 and 001, §IV–V).

An :class:`Experiment` reproduces one paper figure or number.  It is a function of a
:class:`Context` (output directory, ``quick``, ``seed``, a progress factory) that writes its data
files and returns a :class:`~codedcomp.experiments.report.Summary`; :func:`run_experiment` times
it and writes ``summary.md`` / ``summary.json``.  Modules register themselves by name; no module
holds state beyond the registry itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import Summary

Advance = Callable[[int], None]
ProgressFactory = Callable[[int, str], AbstractContextManager[Advance]]


@contextmanager
def no_progress(total: int, label: str) -> Iterator[Advance]:
    """The default progress factory: report nothing."""
    yield lambda n: None


@dataclass
class Context:
    """Where and how an experiment runs; every random choice flows from ``seed``."""

    out: Path
    quick: bool = False
    seed: int = 0
    progress: ProgressFactory = no_progress

    def path(self, name: str) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        return self.out / name


@dataclass(frozen=True)
class Experiment:
    """A registered reproduction: ``name`` (CLI), the paper and figure, and its ``run``."""

    name: str
    paper: str  # e.g. "000 (Mallick & Joshi, ITW 2022)"
    figure: str  # e.g. "Fig. 2a"
    title: str
    run: Callable[[Context], Summary] = field(repr=False)


EXPERIMENTS: dict[str, Experiment] = {}


def register(exp: Experiment) -> Experiment:
    if exp.name in EXPERIMENTS:
        raise ValueError(f"experiment {exp.name!r} registered twice")
    EXPERIMENTS[exp.name] = exp
    return exp


def names() -> list[str]:
    return sorted(EXPERIMENTS)


def get(name: str) -> Experiment:
    """The experiment called ``name``; ``ValueError`` listing the valid names otherwise."""
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise ValueError(f"unknown experiment {name!r}; valid: {', '.join(names())}") from None


def run_experiment(
    name: str,
    out: str | Path,
    *,
    quick: bool = False,
    seed: int = 0,
    progress: ProgressFactory = no_progress,
) -> Summary:
    """Run experiment ``name`` into ``out``; write ``summary.md`` and ``summary.json``."""
    exp = get(name)
    ctx = Context(out=Path(out), quick=quick, seed=seed, progress=progress)
    ctx.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    summary = exp.run(ctx)
    summary.elapsed = time.perf_counter() - start
    summary.command = (
        f"codedcomp reproduce {name}{' --quick' if quick else ''} --out {out} --seed {seed}"
    )
    summary.write(ctx.out)
    return summary
