"""Traces of real runs: what every worker did, in the simulator's currency.

A :class:`Trace` records one execution (one trial of one scheme): per worker the injected
initial delay ``X_j`` (papers 000 §IV / 001 §IV, eq. 4), when it really started, when each task
completed on the worker and arrived at the master, its failures, what was cancelled when the
master stopped, and how much work was wasted.  All times are seconds since the job's ``t0``.

A file of traces is ``{"config": {...}, "trials": [trace, ...]}`` where every trace carries
``workers[*].injected_delay`` — exactly what ``trace:PATH`` (:mod:`codedcomp.delays.trace`)
reads, so a real run's delays drive the simulator directly.  :func:`replay` goes further: it
re-simulates each recorded trial on its own recorded delays with the recorded seed entropy, hence
on the very plans that ran (through the same call that predicts a run), and returns the
simulator's latency and received count per trial to set beside the measured ones.
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
    # per task that ran or was cancelled: index (task id), cost, copy_of, began, done, arrived,
    # late, submitted, cancel_sent, cancelled, partial, state (done|cancelled|lost|failed|stopped)
    tasks: list[dict[str, Any]] = field(default_factory=list)
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
    encode_time: float | None = None  # seconds the master spent encoding the job's input
    dispatch_time: float = 0.0  # seconds to ship the job (and start the pool) before t0
    stop_time: float = 0.0  # seconds from the cancel request until all workers had stopped
    work_done: float = 0.0  # units of work done by all workers (incl. partial and late)
    work: dict[str, Any] = field(default_factory=dict)  # codedcomp.core.work.Work.to_json()
    error: str | None = None
    predicted: dict[str, Any] = field(default_factory=dict)  # simulator: latency, received
    # jobs serving several answers (inference): per query [instant answered or None, how]
    answers: list[list[Any]] | None = None

    @property
    def injected_delays(self) -> np.ndarray:
        return np.array([w.injected_delay for w in self.workers])

    @property
    def wasted_work(self) -> float:
        """Work beyond the ``m`` units the job needs, as a fraction of ``m``."""
        return self.work_done / self.m - 1.0 if self.m else 0.0

    def to_json(self) -> dict[str, Any]:
        doc = {k: v for k, v in asdict(self).items() if k != "workers"}
        if doc["answers"] is None:  # one answer per job: the latency says it
            del doc["answers"]
        doc["wasted_work"] = self.wasted_work
        doc["workers"] = [w.to_json() for w in self.workers]
        return doc


def traces_doc(traces: list[Trace], config: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of a set of traces (``trace:PATH`` reads its ``trials``)."""
    return {"config": config, "trials": [t.to_json() for t in traces]}


def write_traces(traces: list[Trace], path: str | Path, config: dict[str, Any]) -> Path:
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(traces_doc(traces, config), indent=1, default=_default) + "\n")
    except OSError as e:
        raise ValueError(f"traces {out}: could not write ({e.strerror or e})") from None
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
    """Re-simulate every trial of a traces document on its recorded delays.

    Returns, per recorded trial, ``{"scheme", "trial", "latency", "received"}`` from
    :func:`codedcomp.sim.oneshot.simulate_one` — the simulator's one prediction path, the same
    call ``run``'s ``predicted_latency`` makes — on the trial's own stream of the recorded
    ``entropy`` (so a scheme gets the same plan as in the run) and the recorded τ.
    """
    from ..codes.families import resolve
    from ..core.context import JobContext
    from ..delays import delay as make_delay
    from ..rng import trial_sequence
    from ..sim.oneshot import simulate_one

    config = doc["config"]
    root = np.random.SeedSequence(int(config["entropy"]))
    try:
        model = make_delay(config.get("delay", "none"))
    except ValueError:  # a trace file moved away: quantile-based policies then use none
        model = None
    out = []
    for tr in doc["trials"]:
        trial, m, tau = int(tr["trial"]), int(tr["m"]), float(tr["tau"])
        s = resolve(tr["scheme"], config.get("family"))  # older traces: sums, then matmul
        if config.get("family") == "matmul" and hasattr(s, "check_workload"):
            # the operands the run had (a fixed (A, B) may differ from the workload's dtype)
            s.check_workload(
                _matmul_workload(config.get("workload", ""), m),
                complex_operands=config.get("complex_operands"),
            )
        x = np.array([w["injected_delay"] for w in tr["workers"]], dtype=float)
        ctx = JobContext(m=m, workers=len(x), tau=tau, delay=model)
        res = simulate_one(s, ctx=ctx, x=x, seq=trial_sequence(root, trial))
        out.append(
            {
                "scheme": tr["scheme"],
                "trial": trial,
                "latency": res.latency if np.isfinite(res.latency) else None,
                "received": res.received,
            }
        )
    return out


def _matmul_workload(spec: str, m: int) -> Any:
    """The recorded matmul workload (its operands' dtype sets what a product costs), or ``None``
    when the spec is not one (a user's own workload object): real operands are assumed then."""
    from ..workloads import make_workload

    try:
        return make_workload(spec, m=m, seed=0)
    except ValueError:
        return None
