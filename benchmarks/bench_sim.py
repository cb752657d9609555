"""Simulator benchmarks: paper-scale runs, peak memory at m = 10,000, and scaling in m.

``run(quick=False) -> list[dict]`` (the contract of ``benchmarks/run.py``) measures:

(a) ``sim: sr-fig2a`` and ``sim: lt-fig2a`` — the scheme sets of paper 000 Fig. 2a (m = 1000,
    τ = 0.005, X ~ Exp(0.2), 100 trials) and paper 001 Fig. 2a (same, 500 trials), each timed
    as one in-process :func:`codedcomp.simulate` call.  Target: ≤ 60 s per run.  Baseline: the
    same call restricted to the structured schemes (One, Uncoded, Replication, BCC, ideal), which
    :meth:`~codedcomp.codes.sums.base.Scheme.fast_latency` answers for all trials at once, so
    ``ours / baseline`` is how much the rateless codes (LT, SR) add on top of that floor.  The two
    are timed interleaved (ABBA) so machine load hits both alike.  The table splits one run by
    scheme and times each scheme's *generic* path (plan, arrival order, then the base-class
    ``Scheme.decode_point`` feeding supports one by one into the scheme's incremental decoder):
    the speed-up column is what the shortcuts buy, and ``agree`` checks that both paths stop at
    the same number of received results on the same trials.
(b) ``sim: peak RSS`` — m = 10,000 workers, the sr-fig2a schemes, a few trials, in a fresh
    subprocess (so the harness's own memory is not counted): peak RSS ≤ 4096 MiB.  Baseline: the
    same subprocess with the structured schemes only.
(c) ``sim: time/trial vs m`` — time per trial of ``uncoded``, ``lt:r=1``, ``sr:d=10`` at
    m ∈ {1000, 3000, 10000}; no target, a table with ratios to m = 1000 and fitted exponents.

Every measurement re-runs the identical work (fixed seed), after a warm-up call that pays the
one-time import and first-call costs.  A part that raises becomes an ``"error"`` row; the other
parts still run.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

import codedcomp
from codedcomp.codes.sums import Scheme
from codedcomp.rng import root_sequence, substream, trial_sequence

TAU = 0.005
DELAY = "exp:rate=0.2"
M = 1000
SEED = 2022

# paper 000 Fig. 2a (its fractional repetition groups d = 10 workers) and paper 001 Fig. 2a
SR_FIG2A = ("one", "uncoded", "rep:r=10", "bcc:d=10", "lt:r=1", "sr:d=10", "ideal")
LT_FIG2A = ("one", "uncoded", "rep:r=2", "lt:r=1", "lt:r=2")
RATELESS = ("lt", "sr")  # schemes simulated trial by trial; everything else has a fast path
TARGET_RUN_S = 60.0
MEMORY_LIMIT_MIB = 4096.0
SCALING_MS = (1000, 3000, 10000)
SCALING_SCHEMES = ("uncoded", "lt:r=1", "sr:d=10")


def _say(msg: str) -> None:
    """A progress line: ``run.py`` shows the latest one in its status line."""
    print(f"[bench_sim] {msg}", file=sys.stderr, flush=True)


def _trials(n: int) -> str:
    return f"{n} trial" if n == 1 else f"{n} trials"


def _structured(schemes: Sequence[str]) -> tuple[str, ...]:
    return tuple(s for s in schemes if s.split(":")[0] not in RATELESS)


def _simulate(schemes: Sequence[str], *, m: int, trials: int, progress: Any = None) -> Any:
    return codedcomp.simulate(
        list(schemes), m=m, tau=TAU, delay=DELAY, trials=trials, seed=SEED, progress=progress
    )


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _interleaved(
    ours: Callable[[], Any],
    base: Callable[[], Any],
    *,
    min_rep: int,
    max_rep: int,
    budget_s: float,
    label: str,
) -> tuple[list[float], list[float]]:
    """Time ``ours`` and ``base`` alternately (A B B A …) until enough repeats or budget spent."""
    a: list[float] = []
    b: list[float] = []
    start = time.perf_counter()
    while len(a) < max_rep:
        if len(a) % 2 == 0:
            a.append(_timed(ours))
            b.append(_timed(base))
        else:
            b.append(_timed(base))
            a.append(_timed(ours))
        _say(f"{label}: repeat {len(a)}: {a[-1]:.3g} s (baseline {b[-1]:.3g} s)")
        if len(a) >= min_rep and time.perf_counter() - start >= budget_s:
            break
    return a, b


def _repeated(fn: Callable[[], Any], *, min_rep: int, max_rep: int, budget_s: float) -> list[float]:
    """Time ``fn`` min_rep…max_rep times within ``budget_s`` (once if one run exceeds it)."""
    out: list[float] = []
    start = time.perf_counter()
    while len(out) < max_rep:
        out.append(_timed(fn))
        spent = time.perf_counter() - start
        if (len(out) >= min_rep and spent >= budget_s) or out[0] >= budget_s:
            break
    return out


class _OverBudget(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block with ``_OverBudget`` after ``seconds`` (main thread, POSIX only)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise _OverBudget

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _fmt_s(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def _error_row(name: str, target: str, target_s: float | None, exc: BaseException) -> dict:
    msg = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        msg += f" (raised in {Path(last.filename).name}:{last.lineno} {last.name})"
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return {
        "name": name,
        "target": target,
        "target_s": target_s,
        "samples": [],
        "baseline_name": "",
        "baseline_samples": [],
        "notes": "",
        "error": msg,
        "traceback": "".join(tb[-6:]),
    }


# ---------------------------------------------------------------------------------------------
# (a) paper-scale runs


def _scheme_split(schemes: Sequence[str], trials: int) -> tuple[Callable[[int], None], Any]:
    """A progress callback recording when each scheme's last trial is done (one timed run)."""
    marks: list[tuple[float, int]] = []
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        marks.append((time.perf_counter(), done[0]))

    def split(t0: float) -> list[float | None]:
        out: list[float | None] = []
        prev = t0
        for k in range(len(schemes)):
            end = next((t for t, c in marks if c >= (k + 1) * trials), None)
            if end is None:
                out.append(None)
                continue
            out.append(end - prev)
            prev = end
        return out

    return progress, split


def _generic_per_trial(
    spec: str, x: np.ndarray, *, max_trials: int, cap_s: float
) -> tuple[list[float], int | None, str]:
    """Seconds per trial of the generic stop search, and its agreement with the scheme's own.

    On the timed run's delays ``x`` and plan streams, each trial's plan is materialised in full
    first (untimed: a lazily filled plan depends on the order of fill requests, and both searches
    must see the same plan).  Timed: finish times, arrival order and the base-class
    ``Scheme.decode_point``, which feeds supports one by one into the scheme's decoder.  Where the
    scheme overrides ``decode_point``, the override runs on the same plan and order, and
    ``agree`` counts trials where both stop at the same prefix (``None``: no override).
    Returns (times, agree, note); ``note`` says why it stopped early, if it did.
    """
    s = codedcomp.scheme(spec)
    override = type(s).decode_point is not Scheme.decode_point
    root = root_sequence(SEED)
    times: list[float] = []
    agree = 0
    note = ""
    try:
        with _time_limit(cap_s):
            for t in range(min(max_trials, x.shape[0])):
                plan = s.plan(M, x.shape[1], substream(trial_sequence(root, t), s.canonical))
                plan.fill()
                t0 = time.perf_counter()
                order = np.argsort(plan.finish_times(x[t], TAU), kind="stable")
                n = Scheme.decode_point(s, plan, order)
                times.append(time.perf_counter() - t0)
                if override:
                    agree += int(s.decode_point(plan, order) == n)
    except _OverBudget:
        note = f"> {cap_s:g} s for one trial" if not times else f"stopped at the {cap_s:g} s cap"
    except Exception as exc:  # a scheme that has no plan to search (ideal)
        note = f"n/a: {str(exc).split(';')[0][:50]} ({type(exc).__name__})"
    if override and len(times) < agree:  # the override of the last trial ran past the cap
        agree = len(times)
    return times, (agree if override else None), note


def _paper_run(
    label: str, schemes: Sequence[str], trials: int, full_trials: int, quick: bool
) -> dict:
    name = f"sim: {label} ({len(schemes)} schemes, m={M}, {trials} trials)"
    target_s = TARGET_RUN_S * trials / full_trials
    target = f"≤ {TARGET_RUN_S:g} s per run of {full_trials} trials"
    if quick:
        target = f"≤ {target_s:g} s (quick: {TARGET_RUN_S:g} s × {trials}/{full_trials} trials)"
    base = _structured(schemes)
    try:
        _say(f"{label}: warm-up")
        _simulate(schemes, m=M, trials=1)
        split_runs: list[list[float | None]] = []
        last: list[Any] = [None]

        def ours() -> None:
            progress, split = _scheme_split(schemes, trials)
            t0 = time.perf_counter()
            last[0] = _simulate(schemes, m=M, trials=trials, progress=progress)
            split_runs.append(split(t0))

        def baseline() -> None:
            _simulate(base, m=M, trials=trials)

        a, b = _interleaved(
            ours,
            baseline,
            min_rep=2 if quick else 3,
            max_rep=3 if quick else 5,
            budget_s=20.0 if quick else 90.0,
            label=label,
        )
        result = last[0]
    except Exception as exc:
        return _error_row(name, target, target_s, exc)

    rows = [
        "| scheme | time in run (median) | share | per trial | failures | generic stop search "
        "per trial (n) | generic / per trial | agree |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k, spec in enumerate(schemes):
        vals = [r[k] for r in split_runs if r[k] is not None]
        shares = [r[k] / run_s for r, run_s in zip(split_runs, a, strict=True) if r[k] is not None]
        t_s = float(np.median(vals)) if vals else None
        per = None if t_s is None else t_s / trials
        _say(f"{label}: generic stop search of {spec}")
        g, agree, note = _generic_per_trial(
            spec, result.x, max_trials=5 if quick else 20, cap_s=3.0 if quick else 10.0
        )
        g_med = float(np.median(g)) if g else None
        gen = f"{_fmt_s(g_med)} ({len(g)})" if g else ""
        gen = "; ".join(p for p in (gen, note) if p) or "—"
        speed = f"{g_med / per:.3g}×" if g_med and per and k > 0 else "—"
        label_k = f"`{spec}`" + (" (+ set-up, delay sampling)" if k == 0 else "")
        share = f"{100 * float(np.median(shares)):.0f} %" if shares else "—"
        agree_s = "no override" if agree is None else f"{agree}/{len(g)}" if g else "—"
        rows.append(
            f"| {label_k} | {_fmt_s(t_s)} | {share} | {_fmt_s(per)} | "
            f"{result[codedcomp.scheme(spec).label].failures} | {gen} | {speed} | {agree_s} |"
        )
    notes = (
        f"One in-process `codedcomp.simulate` call: schemes {', '.join(schemes)}; m={M}, "
        f"τ={TAU}, delay {DELAY}, seed {SEED} (the same work every repeat), after a 1-trial "
        "warm-up. Baseline: the same call with only the structured schemes "
        f"({', '.join(base)}), answered by their vectorised fast paths — ratio ours/baseline is "
        "how much the rateless codes add to that floor; timed interleaved A B B A. Table: "
        "the per-scheme split of the runs (medians over runs, from the progress callback; the "
        "first scheme also carries set-up and delay sampling), then the *generic stop search* "
        "on the same trials: "
        "the plan materialised in full (untimed), then arrival order and the base-class "
        "`Scheme.decode_point`, which feeds supports one by one into the scheme's decoder — "
        "*generic / per trial* is what the scheme's shortcuts buy (ratio of per-trial times); "
        "capped in time per scheme. *agree*: trials on which the scheme's own `decode_point` "
        "stops at the same prefix as the generic search, on the same materialised plan."
    )
    return {
        "name": name,
        "target": target,
        "target_s": target_s,
        "samples": a,
        "baseline_name": f"structured schemes only ({len(base)} schemes, same trials)",
        "baseline_samples": b,
        "notes": notes,
        "table": "\n".join(rows),
    }


# ---------------------------------------------------------------------------------------------
# (b) peak memory in a subprocess

_CHILD = r"""
import json, resource, sys, time
import codedcomp
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
res = codedcomp.simulate(args["schemes"], m=args["m"], tau=args["tau"], delay=args["delay"],
                         trials=args["trials"], seed=args["seed"])
elapsed = time.perf_counter() - t0
print(json.dumps({
    "elapsed_s": elapsed,
    "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "children_maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "failures": {r.scheme: r.failures for r in res.results},
}))
"""


def _peak_rss_mib(schemes: Sequence[str], m: int, trials: int, timeout_s: float) -> dict:
    """Run the simulation in a fresh interpreter; its peak RSS in MiB (and how it was measured).

    Peak = max(the child's own ``ru_maxrss``, polled RSS of the child's whole process tree).
    """
    import psutil

    args = {
        "schemes": list(schemes),
        "m": m,
        "tau": TAU,
        "delay": DELAY,
        "trials": trials,
        "seed": SEED,
    }
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps(args)], stdout=out, stderr=err
        )
        polled = 0
        t0 = time.perf_counter()
        try:
            ps = psutil.Process(proc.pid)
            while proc.poll() is None:
                try:
                    rss = ps.memory_info().rss + sum(
                        c.memory_info().rss for c in ps.children(recursive=True)
                    )
                    polled = max(polled, rss)
                except psutil.Error:
                    pass
                if time.perf_counter() - t0 > timeout_s:
                    proc.kill()
                    proc.wait()
                    raise TimeoutError(f"m={m} simulation did not finish within {timeout_s:g} s")
                time.sleep(0.02)
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        tail = stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise RuntimeError(f"m={m} subprocess failed: {tail[0]}")
    info = json.loads(stdout.strip().splitlines()[-1])
    own = max(info["self_maxrss_kib"], info["children_maxrss_kib"]) / 1024
    info["polled_mib"] = polled / 2**20
    info["peak_mib"] = max(own, info["polled_mib"])
    return info


def _memory(quick: bool) -> dict:
    m = 10_000
    trials = 1 if quick else 5
    name = f"sim: peak RSS, m={m:,} workers, {len(SR_FIG2A)} schemes, {_trials(trials)}"
    target = f"≤ {MEMORY_LIMIT_MIB:g} MiB peak RSS"
    base = _structured(SR_FIG2A)
    try:
        _say(f"memory: m={m}, {_trials(trials)}, all schemes (subprocess)")
        ours = _peak_rss_mib(SR_FIG2A, m, trials, timeout_s=900 if quick else 1800)
        _say(f"memory: {ours['peak_mib']:.0f} MiB in {ours['elapsed_s']:.1f} s; baseline")
        base_info = _peak_rss_mib(base, m, trials, timeout_s=300)
    except Exception as exc:
        return _error_row(name, target, MEMORY_LIMIT_MIB, exc)
    failures = ", ".join(f"{k}: {v}" for k, v in ours["failures"].items() if v)
    return {
        "name": name,
        "target": target,
        "target_s": MEMORY_LIMIT_MIB,
        "unit": "MiB",
        "samples": [ours["peak_mib"]],
        "baseline_name": f"structured schemes only ({len(base)} schemes), same subprocess set-up",
        "baseline_samples": [base_info["peak_mib"]],
        "notes": (
            f"A fresh `{Path(sys.executable).name} -c` subprocess imports codedcomp and runs "
            f"`codedcomp.simulate({list(SR_FIG2A)}, m={m}, τ={TAU}, delay={DELAY}, "
            f"trials={trials})`; peak = max(its own `ru_maxrss`, psutil-polled RSS of its "
            f"process tree every 20 ms) — polled {ours['polled_mib']:.0f} MiB. The run took "
            f"{ours['elapsed_s']:.1f} s (baseline {base_info['elapsed_s']:.2f} s, "
            f"{base_info['peak_mib']:.0f} MiB: interpreter + numpy + codedcomp + the "
            "structured schemes). One sample each: peak memory of identical work barely varies."
            + (f" Trials that never decoded: {failures}." if failures else "")
        ),
    }


# ---------------------------------------------------------------------------------------------
# (c) time per trial against m


def _scaling(quick: bool) -> list[dict]:
    trials = {1000: 3, 3000: 1, 10000: 1} if quick else {1000: 20, 3000: 5, 10000: 2}
    budget = (
        {1000: 5.0, 3000: 10.0, 10000: 20.0} if quick else {1000: 20.0, 3000: 40.0, 10000: 90.0}
    )
    per_trial: dict[str, dict[int, list[float]]] = {}
    errors: dict[str, BaseException] = {}
    for spec in SCALING_SCHEMES:
        per_trial[spec] = {}
        try:
            _simulate([spec], m=SCALING_MS[0], trials=1)  # warm-up
            for m in SCALING_MS:
                n = trials[m]
                _say(f"scaling: {spec} at m={m} ({_trials(n)} per sample)")
                samples = _repeated(
                    lambda spec=spec, m=m, n=n: _simulate([spec], m=m, trials=n),
                    min_rep=1 if quick else 2,
                    max_rep=3 if quick else 5,
                    budget_s=budget[m],
                )
                per_trial[spec][m] = [s / n for s in samples]
        except Exception as exc:
            errors[spec] = exc

    rows = [
        "| scheme | "
        + " | ".join(f"m={m:,}: time/trial (ratio to m=1000)" for m in SCALING_MS)
        + " | fitted exponent |",
        "|---|" + "---|" * (len(SCALING_MS) + 1),
    ]
    for spec in SCALING_SCHEMES:
        med = {m: float(np.median(v)) for m, v in per_trial[spec].items()}
        cells = []
        for m in SCALING_MS:
            if m in med:
                ratio = med[m] / med[SCALING_MS[0]] if SCALING_MS[0] in med else float("nan")
                cells.append(f"{_fmt_s(med[m])} ({ratio:.3g}×, n={len(per_trial[spec][m])})")
            else:
                cells.append("ERROR" if spec in errors else "—")
        if len(med) >= 2:
            ms = np.array(sorted(med))
            slope = np.polyfit(np.log(ms), np.log([med[int(k)] for k in ms]), 1)[0]
            exponent = f"{slope:.2f}"
        else:
            exponent = "—"
        rows.append(f"| `{spec}` | " + " | ".join(cells) + f" | {exponent} |")
    table = "\n".join(rows)

    out = []
    m_hi, m_lo = SCALING_MS[-1], SCALING_MS[0]
    for i, spec in enumerate(SCALING_SCHEMES):
        name = f"sim: time/trial vs m — {spec} at m={m_hi:,}"
        if spec in errors:
            row = _error_row(name, "none (scaling)", None, errors[spec])
        else:
            row = {
                "name": name,
                "target": "none (scaling)",
                "target_s": None,
                "samples": per_trial[spec][m_hi],
                "baseline_name": f"{spec} at m={m_lo:,}",
                "baseline_samples": per_trial[spec][m_lo],
                "notes": (
                    "Wall time of `codedcomp.simulate([spec], m, …)` divided by its trials "
                    f"({', '.join(f'{trials[m]} at m={m}' for m in SCALING_MS)}), τ={TAU}, "
                    f"{DELAY}, workers = m; includes delay sampling and set-up. Ratio "
                    f"ours/baseline = growth from m={m_lo:,} to m={m_hi:,} (×{m_hi // m_lo} "
                    "in m: linear work gives ≈10, m log m ≈13, m² 100, m³ 1000). The fitted "
                    "exponent is the least-squares slope of log(time/trial) on log m."
                ),
            }
        if i == 0:
            row["table"] = table
            row["notes"] = (row.get("notes") or "") + " The table covers all three schemes."
        out.append(row)
    return out


def run(quick: bool = False) -> list[dict]:
    out = [
        _paper_run("sr-fig2a", SR_FIG2A, 20 if quick else 100, 100, quick),
        _paper_run("lt-fig2a", LT_FIG2A, 50 if quick else 500, 500, quick),
        _memory(quick),
    ]
    out.extend(_scaling(quick))
    return out


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps({k: v for k, v in row.items() if k != "traceback"}, indent=1))
