"""Traces of real runs: what every worker did, in the simulator's currency.

A :class:`Trace` records one execution (one trial of one scheme): per worker the injected
initial delay ``X_j`` (papers 000 §IV / 001 §IV, eq. 4), when it really started, when each task
completed on the worker and arrived at the master, its failures, what was cancelled when the
master stopped, and how much work was wasted.  All times are seconds since the job's ``t0``.

A file of traces is ``{"config": {...}, "trials": [trace, ...]}`` where every trace carries
``workers[*].injected_delay`` — exactly what ``trace:PATH`` (:mod:`codedcomp.delays.trace`)
reads, so a real run's delays drive the simulator directly.  :func:`replay` goes further: it
re-simulates each recorded trial on its own recorded delays with the recorded seed entropy, hence
on the very plans that ran, and returns the simulator's latency and received count per trial to
set beside the measured ones.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class WorkerTrace:
    """What one logical worker did during one job."""

    worker: int
    injected_delay: float
    fault: dict[str, Any] | None = None  # injected: {"kind", "at"}
    start: float | None = None  # when its initial delay was over (None: never started)
    tasks: list[dict[str, Any]] = field(default_factory=list)  # index, cost, done, arrived, late
    failures: list[dict[str, Any]] = field(default_factory=list)  # index, kind, error, time
    cancelled: list[int] = field(default_factory=list)  # task indices given but never finished
    state: str = ""  # at the stop: waiting | running | idle | crashed | hung | killed
    partial_work: float = 0.0  # units of the task in progress when stopped
    submitted: int = 0  # tasks given to it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Trace:
    """One execution: the master's view plus every worker's; see the module docstring."""

    scheme: str
    trial: int
    backend: str
    m: int
    workers: list[WorkerTrace]
    tau: float
    decoded: bool = False
    latency: float | None = None  # arrival of the last result needed to decode (None: never)
    received: int = 0  # results of the smallest decodable prefix of those fed (or all fed)
    detected: float | None = None  # when the master saw it could decode (>= latency)
    decode_time: float | None = None  # seconds spent in the final decode
    dispatch_time: float = 0.0  # seconds to ship the job (and start the pool) before t0
    stop_time: float = 0.0  # seconds from the cancel request until all workers had stopped
    work_done: float = 0.0  # units of work done by all workers (incl. partial and late)
    error: str | None = None
    predicted: dict[str, Any] = field(default_factory=dict)  # simulator: latency, received

    @property
    def injected_delays(self) -> np.ndarray:
        return np.array([w.injected_delay for w in self.workers])

    @property
    def wasted_work(self) -> float:
        """Work beyond the ``m`` units the job needs, as a fraction of ``m``."""
        return self.work_done / self.m - 1.0 if self.m else 0.0

    def to_json(self) -> dict[str, Any]:
        doc = {k: v for k, v in asdict(self).items() if k != "workers"}
        doc["wasted_work"] = self.wasted_work
        doc["workers"] = [w.to_json() for w in self.workers]
        return doc


def traces_doc(traces: list[Trace], config: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of a set of traces (``trace:PATH`` reads its ``trials``)."""
    return {"config": config, "trials": [t.to_json() for t in traces]}


def write_traces(traces: list[Trace], path: str | Path, config: dict[str, Any]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(traces_doc(traces, config), indent=1, default=_default) + "\n")
    return out


def load_traces(path: str | Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(Path(path).read_text())
    return doc


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def replay(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Re-simulate every trial of a traces document on its recorded delays and plan.

    Returns, per recorded trial, ``{"scheme", "trial", "latency", "received"}`` computed exactly
    as :func:`codedcomp.sim.oneshot.simulate_delays` does (the scheme's vectorised path if it has
    one, else :func:`~codedcomp.sim.oneshot.simulate_trial`), from the trial's own stream of the
    recorded ``entropy`` — so the scheme gets the same plan as in the run — and the recorded τ.
    """
    from ..codes.sums import scheme as make_scheme
    from ..rng import substream, trial_sequence
    from ..sim.oneshot import simulate_trial

    root = np.random.SeedSequence(int(doc["config"]["entropy"]))
    out = []
    for tr in doc["trials"]:
        trial, m, tau = int(tr["trial"]), int(tr["m"]), float(tr["tau"])
        s = make_scheme(tr["scheme"])
        x = np.array([w["injected_delay"] for w in tr["workers"]], dtype=float)
        rng = substream(trial_sequence(root, trial), s.label)
        fast = s.fast_latency(x[None, :], tau, m, [rng])
        if fast is not None:
            lat, rec = float(fast[0][0]), int(fast[1][0])
        else:
            lat, rec = simulate_trial(s, m=m, tau=tau, x=x, rng=rng)
        out.append(
            {
                "scheme": tr["scheme"],
                "trial": trial,
                "latency": lat if np.isfinite(lat) else None,
                "received": rec,
            }
        )
    return out
