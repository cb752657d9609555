"""Runtime benchmarks: overhead per task, timing error, prediction vs measurement, soak.

``run(quick) -> list[dict]`` for ``benchmarks/run.py`` (one dict per benchmark).

1. **Dispatch + collection overhead per task** on ``local`` (target: median ≤ 1 ms), baseline
   the ``thread`` backend in the same run: 16 logical workers × K one-function tasks of a trivial
   workload (``kernel-sum:dim=1``), no delays, no padding; master wall time from ``t0`` to the
   last result, per task.
2. **Timing error vs eq. 4** (papers 000/001 §IV): per task ``|done − (X_j + τ·Σcost)|`` on the
   worker, and ``arrived − done`` (delivery to the master), m = 64 logical workers with injected
   Exp delays; target median ≤ 1 ms.
3. **Prediction vs measurement** for ``uncoded``, ``rep:r=2``, ``lt:r=1``, ``sr:d=10`` at m = 64
   logical workers on ``local`` with X ~ Exp(rate=5) (mean 0.2 s) and τ = 3 ms (τ·m ≈ mean X, the
   papers' regime scaled so a run takes ~0.2–1 s): |mean predicted − mean measured| / mean
   measured, target ≤ 15 % for every scheme; and SR / LT vs uncoded in measured mean latency.
   The same table at the papers' scale: m = 1000 logical workers, X ~ Exp(rate=2), τ = 1 ms.
4. **Soak**: consecutive runs on one ``local`` pool (1000; quick: 50): processes, threads, open
   files and RSS (master + hosts) before and after.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import psutil

from codedcomp.core import Actions, Event, Policy, Task
from codedcomp.runtime import run as rt_run
from codedcomp.runtime.backends.local import LocalBackend
from codedcomp.runtime.backends.thread import ThreadBackend
from codedcomp.runtime.master import execute
from codedcomp.workloads import make_workload


class _AllResults(Policy):
    """Every worker gets ``k`` one-function tasks; ready when all results are in (overhead)."""

    label = "all-results"

    def __init__(self, workers: int, k: int) -> None:
        self.workers, self.k = workers, k
        self._n = 0

    def initial(self) -> Actions:
        return Actions(
            {
                j: [Task(j * self.k + b, np.array([j]), 1.0) for b in range(self.k)]
                for j in range(self.workers)
            }
        )

    def on_event(self, event: Event, now: float) -> Actions | None:
        self._n += event.kind == "result"
        return None

    @property
    def ready(self) -> bool:
        return self._n == self.workers * self.k

    @property
    def received(self) -> int:
        return self._n

    def missing(self) -> str:
        return f"{self.workers * self.k - self._n} results"

    def result(self) -> np.ndarray:
        return np.zeros(())

    def planned_tasks(self) -> list[int]:
        return [self.k] * self.workers


def _overhead(backend: Any, workers: int, k: int, reps: int) -> tuple[list[float], float]:
    wl = make_workload("kernel-sum:dim=1", m=workers, seed=0)
    x = wl.input(np.random.default_rng(0))
    out, dispatch = [], []
    for _ in range(reps + 1):
        ex = execute(
            _AllResults(workers, k),
            backend=backend,
            workload=wl,
            x=x,
            delays=np.zeros(workers),
            tau=0.0,
            workload_key="overhead",
        )
        assert ex.trace.latency is not None, ex.error
        out.append(ex.trace.latency / (workers * k))
        dispatch.append(ex.trace.dispatch_time)
    return out[1:], float(np.median(dispatch[1:]))  # the first run warms the pool up


def _resources(be: LocalBackend) -> dict[str, float]:
    me = psutil.Process()
    procs = [me, *(psutil.Process(p) for p in be.pids())]
    return {
        "children": len(me.children(recursive=True)),
        "threads": me.num_threads(),
        "open files": me.num_fds(),
        "RSS master (MiB)": me.memory_info().rss / 2**20,
        "RSS total (MiB)": sum(p.memory_info().rss for p in procs) / 2**20,
    }


def _prediction_table(rep: Any, *, m: int, rate: float, tau: float, trials: int) -> dict[str, Any]:
    """|predicted − measured| / measured mean latency per scheme, over trials where both exist."""
    rows = [
        "| scheme | measured mean (s) | predicted mean (s) | gap | received (meas / pred) "
        "| stop (ms, median) | wasted work |",
        "|---|---|---|---|---|---|---|",
    ]
    gaps = {}
    for r in rep.results:
        ok = np.isfinite(r.latencies) & np.isfinite(r.predicted)
        meas, pred = r.latencies[ok].mean(), r.predicted[ok].mean()
        gaps[r.scheme] = abs(pred - meas) / meas
        doc = r.to_json()
        rows.append(
            f"| {r.scheme} | {meas:.4f} | {pred:.4f} | {100 * gaps[r.scheme]:.2f} % | "
            f"{r.received[ok].mean():.1f} / {r.predicted_received[ok].mean():.1f} | "
            f"{doc['stop_time']['p50'] * 1e3:.2f} | {doc['wasted_work']:.2f} |"
        )
    worst = max(gaps.values())
    return {
        "name": f"local: |predicted − measured| / measured mean latency, m = {m}",
        "target": "≤ 15 % for every scheme (median of the four shown; max in notes)",
        "target_s": 0.15,
        "unit": "fraction",
        "samples": list(gaps.values()),
        "baseline_name": "",
        "baseline_samples": [],
        "notes": f"uncoded, rep:r=2, lt:r=1, sr:d=10 on {m} logical workers (2 host processes); "
        f"X ~ Exp(rate={rate:g}), τ = {tau * 1e3:g} ms, kernel-sum (dim 100), {trials} trials, "
        f"same delays and plans for measurement and prediction; worst gap {100 * worst:.2f} % "
        f"({'all within 15 %' if worst <= 0.15 else 'ABOVE 15 %'}); failures: {rep.failures}.",
        "table": "\n".join(rows),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    local = LocalBackend(processes=2)
    thread = ThreadBackend(threads=2)
    try:
        # 1. overhead per task -------------------------------------------------------------
        k, reps = (50, 5) if quick else (200, 9)
        loc, loc_dispatch = _overhead(local, 16, k, reps)
        thr, _ = _overhead(thread, 16, k, reps)
        results.append(
            {
                "name": "local: dispatch + collection overhead per task",
                "target": "median ≤ 1 ms per task",
                "target_s": 1e-3,
                "samples": loc,
                "baseline_name": "thread backend (same jobs)",
                "baseline_samples": thr,
                "notes": f"16 logical workers × {k} one-function tasks (kernel-sum:dim=1), "
                f"no delay, no padding, 2 host processes; master wall time t0 → last result "
                f"/ tasks. "
                f"Shipping the {16 * k} tasks before t0 took {loc_dispatch * 1e3:.1f} ms "
                f"(median; not counted).",
            }
        )

        # 2 + 3. timing error and prediction vs measurement ----------------------------------
        m, trials = 64, (4 if quick else 20)
        wl = make_workload("kernel-sum", m=m, seed=0)
        specs = ["uncoded", "rep:r=2", "lt:r=1", "sr:d=10"]
        rep = rt_run(
            wl,
            scheme=specs,
            backend=local,
            workers=m,
            delay="exp:rate=5",
            tau=0.003,
            trials=trials,
            seed=2022,
            timeout=60,
            on_error="record",
        )
        lag, err = [], []
        for tr in rep.traces:
            for w in tr.workers:
                cum = 0.0
                for t in sorted((t for t in w.tasks if "done" in t), key=lambda t: t["index"]):
                    cum += t["cost"]
                    err.append(abs(t["done"] - (w.injected_delay + 0.003 * cum)))
                    lag.append(t["arrived"] - t["done"])
        results.append(
            {
                "name": "local: task completion vs X_j + τ·Σcost (eq. 4), m = 64",
                "target": "median ≤ 1 ms",
                "target_s": 1e-3,
                "samples": err,
                "baseline_name": "delivery to the master (arrived − done)",
                "baseline_samples": lag,
                "notes": f"{len(err)} task completions over {trials} trials × 4 schemes; p99 "
                f"{np.quantile(err, 0.99) * 1e3:.2f} ms; delivery p99 "
                f"{np.quantile(lag, 0.99) * 1e3:.2f} ms.",
            }
        )
        results.append(_prediction_table(rep, m=m, rate=5, tau=0.003, trials=trials))
        unc = rep["uncoded"].latencies
        for spec in ("lt:r=1", "sr:d=10"):
            lat = rep[spec].latencies
            ratio = float(np.mean(lat) / np.mean(unc))
            results.append(
                {
                    "name": f"local: {spec} vs uncoded, measured latency, m = 64",
                    "target": "mean below uncoded's",
                    "target_s": None,
                    "samples": [float(v) for v in lat],
                    "baseline_name": "uncoded (same delays)",
                    "baseline_samples": [float(v) for v in unc],
                    "notes": f"mean ratio {spec}/uncoded = {ratio:.3f} "
                    f"({'beats' if ratio < 1 else 'DOES NOT beat'} uncoded).",
                }
            )

        # 3b. prediction vs measurement at the papers' scale, m = 1000 ------------------------
        m, trials = 1000, (2 if quick else 5)
        rep = rt_run(
            make_workload("kernel-sum", m=m, seed=0),
            scheme=specs,
            backend=local,
            workers=m,
            delay="exp:rate=2",
            tau=0.001,
            trials=trials,
            seed=1,
            timeout=60,
            on_error="record",
        )
        results.append(_prediction_table(rep, m=m, rate=2, tau=0.001, trials=trials))

        # 4. soak ----------------------------------------------------------------------------
        n = 50 if quick else 1000
        small = make_workload("kernel-sum:dim=10", m=16, seed=0)
        rt_run(small, scheme="lt:r=1", backend=local, delay="exp:rate=1000", seed=0)
        before = _resources(local)
        times, unexpected, by_design = [], 0, 0
        for i in range(n):
            t = time.perf_counter()
            res = rt_run(
                small,
                scheme=["uncoded", "lt:r=1"],
                backend=local,
                delay="exp:rate=1000",
                seed=i,
                on_error="record",
            )
            times.append((time.perf_counter() - t) / 2)
            for r in res.results:  # LT at m = 16 fails ~0.1 % by design: the simulator agrees
                failed = np.array([e is not None for e in r.errors])
                by_design += int((failed & ~np.isfinite(r.predicted)).sum())
                unexpected += int((failed & np.isfinite(r.predicted)).sum())
        after = _resources(local)
        table = ["| resource | before | after |", "|---|---|---|"]
        table += [f"| {key} | {before[key]:.1f} | {after[key]:.1f} |" for key in before]
        grew = [k for k in ("children", "threads", "open files") if after[k] > before[k]]
        results.append(
            {
                "name": f"local soak: {n} consecutive runs (uncoded + lt:r=1, m = 16)",
                "target": "no growth of processes, threads, open files",
                "target_s": None,
                "samples": times,
                "baseline_name": "",
                "baseline_samples": [],
                "notes": f"wall time per run; {'no growth' if not grew else 'GREW: ' + str(grew)}; "
                f"runs not decodable: {by_design} as the simulator predicts for the same plan, "
                f"{unexpected} otherwise; "
                f"RSS total {before['RSS total (MiB)']:.1f} → {after['RSS total (MiB)']:.1f}"
                f" MiB (pid {os.getpid()}).",
                "table": "\n".join(table),
            }
        )
    finally:
        local.shutdown()
        thread.shutdown()
    return results


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    for r in run(quick="--quick" in sys.argv):
        short = {k: v for k, v in r.items() if k not in ("samples", "baseline_samples", "table")}
        short["median"] = float(np.median(r["samples"])) if r["samples"] else None
        print(json.dumps(short, indent=1))
        if "table" in r:
            print(r["table"])
