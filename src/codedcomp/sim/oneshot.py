"""Monte Carlo simulation of one-shot schemes and policies (papers 000/001 §IV).

Each trial draws the initial delays ``X_j`` of all workers once and gives the *same* ``X`` to every
scheme (common random numbers: comparisons between schemes are paired).  A scheme's randomness in
trial ``t`` comes from its own stream of trial ``t``, named by its **canonical** spec
(``rng.substream(seq, scheme.canonical)``: ``lt`` and ``lt:r=1`` draw the same plans), so any
trial can be replayed alone and the runtime executes the very plan the simulator predicted.

Two paths give the same numbers (tests check they agree bit for bit on the same seeds):

* the **event-driven** path (:mod:`codedcomp.sim.des`) drives the scheme's
  :class:`~codedcomp.core.policy.Policy` — the object a real run drives — under a virtual clock;
  it is the only path for policies that act during the run (speculation, hedging) and for the
  optional per-task service-time model;
* **shortcuts** for static plans: a scheme's vectorised ``fast_latency`` over all trials (One,
  Uncoded, Replication, BCC, LT, ideal), else the generic static path :func:`simulate_trial` —
  completion times ``X_j + τ·(cumulative cost)`` (eq. 4), arrival order, then the scheme's
  ``decode_point`` (the shortest decodable prefix).

Latency is the arrival of the last result of the shortest decodable prefix; ``received`` its
length; ``work`` what the job cost up to then (:mod:`codedcomp.core.work`).  A trial that never
becomes decodable has latency ``inf`` and counts in ``failures``; latency statistics are over the
decodable trials.  :func:`simulate_one` is the one prediction path: ``run``'s
``predicted_latency`` and trace replay call it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..codes.families import resolve as make_scheme
from ..codes.sums import Scheme
from ..core.context import JobContext
from ..core.work import Work, summarize, work_at
from ..delays import DelayModel
from ..delays import delay as make_delay
from ..errors import check, check_memory, check_seed, check_sizes
from ..rng import root_sequence, substream, trial_sequence
from .des import Outcome, Service, simulate_job

Progress = Callable[[int], None]
Path = Literal["auto", "events"]


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
    """Per-trial latency (``inf`` = never decodable), received count and work of one scheme."""

    scheme: str
    latency: np.ndarray
    received: np.ndarray
    work: list[Work | None] = field(default_factory=list, repr=False)

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
            "work": summarize(self.work),
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
    """One trial, generic static path: (latency, received); latency ``inf`` if never decodable."""
    out = _static_trial(scheme, m=m, tau=tau, x=x, rng=rng)
    return out.latency, out.received


def _static_trial(
    scheme: Scheme, *, m: int, tau: float, x: np.ndarray, rng: np.random.Generator
) -> Outcome:
    x = np.asarray(x, dtype=float)
    plan = scheme.plan(m, len(x), rng)
    began, times = plan.windows(x, tau)
    order = np.argsort(times, kind="stable")
    n = scheme.decode_point(plan, order)
    if n is None:
        return Outcome(math.inf, 0, None)
    stop = float(times[order[n - 1]])
    if not math.isfinite(stop):  # "decodable" only once workers that never start finish
        return Outcome(stop, int(n), None)
    return Outcome(stop, int(n), work_at(stop, began, times, plan.cost, needed=float(m)))


def simulate_one(
    scheme: Scheme,
    *,
    ctx: JobContext,
    x: np.ndarray,
    seq: np.random.SeedSequence,
    service: Service | None = None,
    path: Path = "auto",
) -> Outcome:
    """One trial of ``scheme`` on initial delays ``x`` with trial stream ``seq``: the one
    prediction path (``run``, trace replay).  Static schemes take their shortcut under
    ``path="auto"`` (and the papers' model), everything else the event-driven path."""
    x = np.asarray(x, dtype=float)
    name = scheme.canonical
    if scheme.dynamic or service is not None or path == "events":
        policy = scheme.policy(ctx, substream(seq, name))
        return simulate_job(policy, x, ctx.tau, service=service)
    work: list[Work | None] = [None]
    fast = scheme.fast_latency(x[None, :], ctx.tau, ctx.m, [substream(seq, name)], work=work)
    if fast is None:
        return _static_trial(scheme, m=ctx.m, tau=ctx.tau, x=x, rng=substream(seq, name))
    lat, rec = float(fast[0][0]), int(fast[1][0])
    w = work[0]
    if w is None and math.isfinite(lat):  # the shortcut left the work to the plan
        w = _static_trial(scheme, m=ctx.m, tau=ctx.tau, x=x, rng=substream(seq, name)).work
    return Outcome(lat, rec if math.isfinite(lat) else 0, w)


def _validate_common(m: int, tau: float, trials: int, workers: int) -> None:
    check_sizes("simulate", m=m, workers=workers, tau=tau, trials=trials)


CHUNK_VALUES = 2_000_000  # delays per vectorised call: progress shown, temporaries bounded


def _fast_in_chunks(
    s: Scheme,
    x: np.ndarray,
    tau: float,
    m: int,
    seqs: Sequence[np.random.SeedSequence],
    work: list[Work | None],
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """``s.fast_latency`` over blocks of trials (the same numbers: every trial has its own
    stream), reporting progress after each block; ``None`` if ``s`` has no shortcut."""
    trials, workers = x.shape
    step = max(1, CHUNK_VALUES // max(workers, 1))
    lat_parts, rec_parts = [], []
    for a in range(0, trials, step):
        b = min(trials, a + step)
        part: list[Work | None] = [None] * (b - a)
        rngs = [substream(q, s.canonical) for q in seqs[a:b]]
        fast = s.fast_latency(x[a:b], tau, m, rngs, work=part)
        if fast is None:
            return None
        lat_parts.append(np.asarray(fast[0], float))
        rec_parts.append(np.asarray(fast[1]))
        work[a:b] = part
        if progress:
            progress(b - a)
    return np.concatenate(lat_parts), np.concatenate(rec_parts)


def service_for(model: DelayModel | None, seq: np.random.SeedSequence) -> Service | None:
    """Trial ``seq``'s per-task service times under ``model`` (``None``: the papers' model)."""
    if model is None:
        return None
    key = int(substream(seq, "service").integers(0, 2**63))
    return Service(model, key)


def simulate_delays(
    schemes: Sequence[str | Scheme],
    *,
    x: np.ndarray,
    m: int,
    tau: float,
    seed: int | np.random.SeedSequence | None = None,
    progress: Progress | None = None,
    config: dict[str, Any] | None = None,
    delay: DelayModel | None = None,
    service: DelayModel | None = None,
    path: Path = "auto",
) -> SimResult:
    """Simulate ``schemes`` on given initial delays ``x`` (trials, workers); see module doc.

    ``delay``: the model ``x`` was drawn from (policies such as ``hedge:after=p95`` read its
    quantiles); ``service``: per-task service-time model (event-driven path for every scheme);
    ``path="events"``: use the event-driven path for static schemes too.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    trials, workers = x.shape
    _validate_common(m, tau, trials, workers)
    check("simulate", "x", "non-finite or negative", bool(np.all(x >= 0)), "delays >= 0")
    check("simulate", "path", path, path in ("auto", "events"), "'auto' or 'events'")
    objs = [make_scheme(s) for s in schemes]
    for s in objs:
        s.validate(m, workers)
        if getattr(s, "family", None) == "matmul" and hasattr(s, "check_workload"):
            s.check_workload(None)  # no workload: real operands (a scheme object run before
            # on complex data must not carry that over)
    root = seed if isinstance(seed, np.random.SeedSequence) else root_sequence(seed)
    seqs = [trial_sequence(root, t) for t in range(trials)]
    services = [service_for(service, q) for q in seqs]
    ctx = JobContext(m=m, workers=workers, tau=float(tau), delay=delay, service=service)
    results = []
    for s in objs:
        fast = None
        work: list[Work | None] = [None] * trials
        if not (s.dynamic or service is not None or path == "events"):
            fast = _fast_in_chunks(s, x, tau, m, seqs, work, progress)
        if fast is not None:
            latency, received = fast
            for i in np.flatnonzero(np.isfinite(latency)).tolist():
                if work[i] is None:  # the shortcut left the work to the plan
                    rng = substream(seqs[i], s.canonical)
                    work[i] = _static_trial(s, m=m, tau=tau, x=x[i], rng=rng).work
        else:
            latency = np.empty(trials)
            received = np.zeros(trials, dtype=np.int64)
            for t in range(trials):
                out = simulate_one(s, ctx=ctx, x=x[t], seq=seqs[t], service=services[t], path=path)
                latency[t], work[t] = out.latency, out.work
                received[t] = out.received
                if progress:
                    progress(1)
        results.append(SchemeResult(s.label, latency, received, work))
    cfg: dict[str, Any] = {"m": m, "workers": workers, "tau": tau, "trials": trials}
    if service is not None:
        cfg["service"] = getattr(service, "spec", "") or repr(service)
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
    service: str | DelayModel | None = None,
    path: Path = "auto",
) -> SimResult:
    """Latency distribution and work of each scheme over ``trials`` Monte Carlo trials.

    ``workers`` defaults to ``m`` (one worker per function, as in the papers).  ``service``: an
    optional per-task service-time model (a delay spec: each task's window is ``τ·cost + Y``).
    All parameters and specs are checked before any trial runs.
    """
    workers = m if workers is None else workers
    _validate_common(m, tau, trials, workers)
    check_seed("simulate", seed)
    check_memory(
        "simulate",
        f"{trials} trials × {workers} workers of delays and finish times",
        32.0 * trials * workers,
        "use fewer trials",
    )
    objs = [make_scheme(s) for s in schemes]
    for s in objs:
        s.validate(m, workers)
    model = make_delay(delay)
    svc = None if service is None else make_delay(service)
    root = root_sequence(seed)
    x = sample_delays(model, workers, trials, root)
    cfg = {"delay": getattr(model, "spec", "") or repr(model), "seed": seed}
    return simulate_delays(
        objs,
        x=x,
        m=m,
        tau=tau,
        seed=root,
        progress=progress,
        config=cfg,
        delay=model,
        service=svc,
        path=path,
    )
