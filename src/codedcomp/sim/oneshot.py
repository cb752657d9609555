"""Vectorised Monte Carlo simulation of one-shot sum-of-functions schemes (papers 000/001 §IV).

Each trial draws the initial delays ``X_j`` of all workers once and gives the *same* ``X`` to every
scheme (common random numbers: comparisons between schemes are paired).  A scheme's random plan
for trial ``t`` comes from its own named stream of trial ``t`` (``rng.substream(seq, spec)``),
so any trial can be replayed alone with :func:`simulate_trial` and the runtime can execute the
very plan the simulator predicted.

Per trial: task completion times ``X_j + τ·(cumulative cost)`` (eq. 4), arrival order by time,
then the scheme's :meth:`~codedcomp.codes.sums.base.Scheme.decode_point` — the shortest
decodable prefix — gives the latency (time of that arrival) and ``received`` (its length).
Schemes with structure (One, Uncoded, Replication, BCC, ideal) answer for all trials at once
through ``fast_latency``.  A trial that never becomes decodable has latency ``inf`` and counts in
``failures``; latency statistics are over the decodable trials.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..codes.sums import Scheme
from ..codes.sums import scheme as make_scheme
from ..delays import DelayModel
from ..delays import delay as make_delay
from ..errors import check
from ..rng import root_sequence, substream, trial_sequence

Progress = Callable[[int], None]


def latency_stats(latency: np.ndarray) -> dict[str, float | None]:
    """mean/std/p50/p90/p99/max of the finite latencies (``None`` where there are none)."""
    ok = latency[np.isfinite(latency)]
    if ok.size == 0:
        return dict.fromkeys(("mean", "std", "p50", "p90", "p99", "max"))
    q = np.quantile(ok, [0.5, 0.9, 0.99])
    return {
        "mean": float(ok.mean()),
        "std": float(ok.std(ddof=1)) if ok.size > 1 else 0.0,
        "p50": float(q[0]),
        "p90": float(q[1]),
        "p99": float(q[2]),
        "max": float(ok.max()),
    }


@dataclass
class SchemeResult:
    """Per-trial latency (``inf`` = never decodable) and received count of one scheme."""

    scheme: str
    latency: np.ndarray
    received: np.ndarray

    @property
    def failures(self) -> int:
        return int((~np.isfinite(self.latency)).sum())

    def to_json(self) -> dict[str, Any]:
        ok = np.isfinite(self.latency)
        rec = self.received[ok]
        return {
            "scheme": self.scheme,
            "latency": latency_stats(self.latency),
            "failures": self.failures,
            "received": {
                "mean": float(rec.mean()) if rec.size else None,
                "p99": float(np.quantile(rec, 0.99)) if rec.size else None,
            },
        }


@dataclass
class SimResult:
    config: dict[str, Any]
    results: list[SchemeResult]
    x: np.ndarray = field(repr=False)  # (trials, workers) initial delays shared by all schemes

    def to_json(self) -> dict[str, Any]:
        return {"config": self.config, "results": [r.to_json() for r in self.results]}

    def __getitem__(self, spec: str) -> SchemeResult:
        for r in self.results:
            if r.scheme == spec:
                return r
        raise KeyError(spec)


def simulate_trial(
    scheme: Scheme, *, m: int, tau: float, x: np.ndarray, rng: np.random.Generator
) -> tuple[float, int]:
    """One trial, generic path: (latency, received); latency ``inf`` if never decodable."""
    x = np.asarray(x, dtype=float)
    plan = scheme.plan(m, len(x), rng)
    times = plan.finish_times(x, tau)
    order = np.argsort(times, kind="stable")
    n = scheme.decode_point(plan, order)
    if n is None:
        return float("inf"), 0
    return float(times[order[n - 1]]), int(n)


def _validate_common(m: int, tau: float, trials: int, workers: int) -> None:
    check("simulate", "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1")
    check("simulate", "tau", tau, np.isfinite(tau) and tau >= 0, "a finite number >= 0")
    check(
        "simulate",
        "trials",
        trials,
        isinstance(trials, (int, np.integer)) and trials >= 1,
        "an integer >= 1",
    )
    check(
        "simulate",
        "workers",
        workers,
        isinstance(workers, (int, np.integer)) and 1 <= workers <= m,
        f"an integer in [1, m={m}]",
    )


def simulate_delays(
    schemes: Sequence[str | Scheme],
    *,
    x: np.ndarray,
    m: int,
    tau: float,
    seed: int | np.random.SeedSequence | None = None,
    progress: Progress | None = None,
    config: dict[str, Any] | None = None,
) -> SimResult:
    """Simulate ``schemes`` on given initial delays ``x`` (trials, workers); see module doc."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    trials, workers = x.shape
    _validate_common(m, tau, trials, workers)
    objs = [make_scheme(s) for s in schemes]
    for s in objs:
        s.validate(m, workers)
    root = seed if isinstance(seed, np.random.SeedSequence) else root_sequence(seed)
    seqs = [trial_sequence(root, t) for t in range(trials)]
    results = []
    for s in objs:
        rngs = [substream(q, s.label) for q in seqs]
        fast = s.fast_latency(x, tau, m, rngs)
        if fast is not None:
            latency, received = fast
            if progress:
                progress(trials)
        else:
            latency = np.empty(trials)
            received = np.zeros(trials, dtype=np.int64)
            for t in range(trials):
                latency[t], received[t] = simulate_trial(s, m=m, tau=tau, x=x[t], rng=rngs[t])
                if progress:
                    progress(1)
        results.append(SchemeResult(s.label, np.asarray(latency, float), np.asarray(received)))
    cfg = {"m": m, "workers": workers, "tau": tau, "trials": trials}
    cfg.update(config or {})
    return SimResult(cfg, results, x)


def sample_delays(
    model: DelayModel, workers: int, trials: int, root: np.random.SeedSequence
) -> np.ndarray:
    """Initial delays (trials, workers), trial ``t`` from its own ``"delays"`` stream."""
    return np.stack(
        [model.sample(substream(trial_sequence(root, t), "delays"), workers) for t in range(trials)]
    )


def simulate(
    schemes: Sequence[str | Scheme],
    *,
    m: int,
    tau: float,
    delay: str | DelayModel,
    trials: int,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> SimResult:
    """Latency distribution of each scheme over ``trials`` Monte Carlo trials.

    ``workers`` defaults to ``m`` (one worker per function, as in the papers).  All parameters
    and specs are checked before any trial runs.
    """
    workers = m if workers is None else workers
    _validate_common(m, tau, trials, workers)
    objs = [make_scheme(s) for s in schemes]
    for s in objs:
        s.validate(m, workers)
    model = make_delay(delay)
    root = root_sequence(seed)
    x = sample_delays(model, workers, trials, root)
    cfg = {"delay": getattr(model, "spec", "") or repr(model), "seed": seed}
    return simulate_delays(objs, x=x, m=m, tau=tau, seed=root, progress=progress, config=cfg)
