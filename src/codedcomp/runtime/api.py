"""``codedcomp.run``: execute a sum-of-functions computation for real, one or several schemes.

For each trial ``t`` the run draws, from trial ``t``'s own streams of one root seed
(:mod:`codedcomp.rng`), the injected initial delays ``X`` (stream ``"delays"``, via
:func:`~codedcomp.sim.oneshot.sample_delays`), the input (``"input"``), the faulty workers
(``"faults"``) and each scheme's policy — its plan, or the dynamic policy of speculation and
hedging (stream = the scheme's canonical spec).  These are exactly the streams the simulator
uses, so every scheme meets the same delays, input and faults (common random numbers), and
:func:`~codedcomp.sim.oneshot.simulate_one` on the same ``X`` and stream — the simulator's one
prediction path — predicts each trial on the very plan that ran: ``predicted_latency`` beside the
measured ``latency`` (papers 000 §IV and 001 §IV model, eq. 4).  Predictions do not model faults.
Every result also reports the ``work`` the workers really did (:mod:`codedcomp.core.work`).

Every parameter, spec and the workload's ability to reach the backend are checked before any
worker starts.  Latency is measured from the job's ``t0`` to the arrival at the master of the
last result of the smallest decodable prefix of the results, in arrival order (see
:mod:`.master`); decoding itself is timed apart (``decode_time``).  ``prediction_gap`` compares
mean predicted and measured latency over the trials where both are finite.
"""

from __future__ import annotations

import math
import threading
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ..codes.families import DEFAULT_SCHEME
from ..codes.families import resolve as resolve_scheme
from ..codes.sums import Ideal, Scheme
from ..core.context import JobContext
from ..core.work import Work, summarize
from ..delays import DelayModel
from ..delays import delay as make_delay
from ..delays.none import NoDelay
from ..errors import MAX_TIME, NotDecodableError, check, check_number, check_seed, check_sizes
from ..rng import root_sequence, substream, trial_sequence
from ..sim.oneshot import latency_stats, sample_delays, simulate_one
from ..workloads.base import FunctionList, Workload
from . import interrupt
from .backends import Backend
from .backends import backend as get_backend
from .faults import draw_faults, parse_faults, place_faults
from .master import default_task_timeout, execute
from .trace import Trace, traces_doc, write_traces

Progress = Callable[[int], None]
MACHINE_BOUND = 1 / 3  # measured above 1.5× the prediction: the machine, not the model, dominates


def relative_error(value: np.ndarray, exact: np.ndarray) -> float:
    """``‖value − exact‖ / ‖exact‖`` (absolute error when ``exact`` is zero); complex values
    keep their imaginary part (no cast)."""
    value = np.asarray(value)
    exact = np.asarray(exact)
    diff = float(np.linalg.norm((value - exact).ravel()))
    scale = float(np.linalg.norm(exact.ravel()))
    return diff / scale if scale > 0 else diff


@dataclass
class RunResult:
    """All trials of one scheme: values, latencies (measured and predicted), errors, traces."""

    scheme: str
    values: list[np.ndarray | None]
    latencies: np.ndarray  # seconds; inf where the trial did not decode
    predicted: np.ndarray  # simulator's latency on the same delays and plan (nan: not computed)
    predicted_received: np.ndarray
    received: np.ndarray
    errors: list[str | None]  # NotDecodableError message per trial (None: decoded)
    relative_errors: np.ndarray  # vs the exact F(x) (nan: failed or not checked)
    traces: list[Trace] = field(repr=False, default_factory=list)
    predicted_work: list[Work | None] = field(repr=False, default_factory=list)
    # jobs serving several answers (inference): the simulator's per-query instants per trial,
    # and per trial the answers scored against the labels (``_score``)
    predicted_answers: list[list[tuple[float, str]] | None] = field(
        repr=False, default_factory=list
    )
    scores: list[dict[str, Any] | None] = field(repr=False, default_factory=list)

    @property
    def query_latencies(self) -> np.ndarray | None:
        """Every query's answer instant over all trials (``inf``: never answered); ``None`` for
        jobs with one answer."""
        if not any(t.answers is not None for t in self.traces):
            return None
        return np.array(
            [math.inf if at is None else at for t in self.traces for at, _ in (t.answers or [])],
            dtype=float,
        )

    @property
    def predicted_query_latencies(self) -> np.ndarray | None:
        """The simulator's per-query instants over all trials (``None``: not predicted)."""
        got = [a for a in self.predicted_answers if a is not None]
        if not got:
            return None
        return np.array([at for a in got for at, _ in a], dtype=float)

    def accuracy(self) -> dict[str, Any] | None:
        """Accuracy of the answers served (decoded trials), against the labels and against F."""
        got = [s for s in self.scores if s is not None]
        if not got:
            return None
        correct = np.concatenate([s["correct"] for s in got])
        decoded = np.concatenate([s["decoded"] for s in got])
        # comparisons with F only where F's own answer is known (the reference was computed)
        ref = [s for s in got if s["agree"] is not None]
        empty = np.zeros(0, dtype=bool)
        agree = np.concatenate([s["agree"] for s in ref]) if ref else empty
        base = np.concatenate([s["base"] for s in ref]) if ref else empty
        ref_decoded = np.concatenate([s["decoded"] for s in ref]) if ref else empty

        def mean(a: np.ndarray) -> float | None:
            return float(a.mean()) if a.size else None

        return {
            "served": mean(correct),  # argmax of the answer served == label
            "base": mean(base),  # F itself on the same queries (None: no reference)
            "agreement": mean(agree),  # argmax of the answer == argmax of F
            "decoded": mean(decoded),  # fraction of answers reconstructed
            "decoded_served": mean(correct[decoded]),
            "decoded_agreement": mean(agree[ref_decoded]),
            "answers": int(correct.size),
        }

    @property
    def works(self) -> list[Work | None]:
        """Measured work per trial (from the traces)."""
        return [Work.from_json(t.work, float(t.m)) if t.work else None for t in self.traces]

    @property
    def value(self) -> np.ndarray:
        """The first trial's F(x); ``NotDecodableError`` if it did not decode."""
        if self.values[0] is None:
            raise NotDecodableError(self.errors[0] or f"{self.scheme}: no value")
        return self.values[0]

    @property
    def failures(self) -> int:
        return sum(e is not None for e in self.errors)

    def to_json(self) -> dict[str, Any]:
        ok = np.isfinite(self.latencies)
        rec = self.received[ok]
        errs = self.relative_errors[np.isfinite(self.relative_errors)]
        decode = np.array([t.decode_time for t in self.traces if t.decode_time is not None])
        encode = np.array([t.encode_time for t in self.traces if t.encode_time is not None])
        decoded = [t for t in self.traces if t.decoded]
        pred = latency_stats(self.predicted[np.isfinite(self.predicted)])
        meas = latency_stats(self.latencies)
        both = np.isfinite(self.predicted) & np.isfinite(self.latencies)
        gap = None
        if both.any():  # compared over the same trials: those both predicted and measured
            p_mean, m_mean = self.predicted[both].mean(), self.latencies[both].mean()
            gap = float((p_mean - m_mean) / m_mean) if m_mean > 0 else None
        machine = None
        p_mean = float(self.predicted[both].mean()) if both.any() else 0.0
        if gap is not None and gap < -MACHINE_BOUND and p_mean > 0:  # (0: nothing modelled)
            m_mean = float(self.latencies[both].mean())
            machine = (
                f"{self.scheme}: measured mean {m_mean:.3g} s is {m_mean / p_mean:.1f}× the "
                f"prediction {p_mean:.3g} s — at this size the machine (dispatch, collection, "
                "cores shared by the logical workers), not the delay model, sets the latency; "
                "use fewer logical workers, a larger τ, or more cores (ray)"
            )
        return {
            "scheme": self.scheme,
            "latency": meas,
            "predicted_latency": pred,
            "prediction_gap": gap,  # (predicted − measured) / measured mean, common trials
            "machine_bound": machine,
            "error": float(errs.max()) if errs.size else None,
            "received": {
                "mean": float(rec.mean()) if rec.size else None,
                "p99": float(np.quantile(rec, 0.99)) if rec.size else None,
            },
            "predicted_received": {
                "mean": float(self.predicted_received[ok].mean()) if ok.any() else None,
            },
            "failures": self.failures,
            "decode_time": latency_stats(decode) if decode.size else latency_stats(np.array([])),
            # the master's encoding of the job's input (matmul codes), before t0: not in latency
            "encode_time": latency_stats(encode) if encode.size else None,
            "stop_time": latency_stats(np.array([t.stop_time for t in self.traces])),
            "wasted_work": (  # over the decoded trials: a failed job's work is not "beyond m"
                float(np.mean([t.wasted_work for t in decoded])) if decoded else None
            ),
            "work": summarize(
                [w for w, t in zip(self.works, self.traces, strict=True) if t.decoded]
            ),
            "predicted_work": summarize(self.predicted_work),
            "errors": sorted({e for e in self.errors if e})[:3],
            **self._per_query_json(),
        }

    def _per_query_json(self) -> dict[str, Any]:
        """Fields of jobs serving several answers (inference); none for the others."""
        q = self.query_latencies
        if q is None:
            return {}
        pq = self.predicted_query_latencies
        return {
            "query_latency": latency_stats(q),  # each query, answered by its own output or a
            "query_failures": int((~np.isfinite(q)).sum()),  # decodable set; never answered
            "predicted_query_latency": latency_stats(pq[np.isfinite(pq)])
            if pq is not None
            else latency_stats(np.array([])),
            "accuracy": self.accuracy(),
        }


@dataclass
class RunReport:
    """Several schemes compared on the same delays, inputs and faults (DESIGN.md ``run`` JSON)."""

    config: dict[str, Any]
    results: list[RunResult]

    def __getitem__(self, spec: str) -> RunResult:
        for r in self.results:
            if r.scheme == spec:
                return r
        raise KeyError(spec)

    @property
    def traces(self) -> list[Trace]:
        return [t for r in self.results for t in r.traces]

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"config": self.config, "results": [r.to_json() for r in self.results]}

    def traces_json(self) -> dict[str, Any]:
        return traces_doc(self.traces, self.config)

    def write_traces(self, path: str) -> None:
        write_traces(self.traces, path, self.config)

    def first_error(self) -> str | None:
        for r in self.results:
            for e in r.errors:
                if e:
                    n = r.failures
                    return f"{e} [{n} of {len(r.errors)} trial(s) of {r.scheme} did not decode]"
        return None


def _single(scheme: Any) -> bool:
    """One scheme (a spec or a scheme object), not a list of them."""
    return isinstance(scheme, str) or not isinstance(scheme, (list, tuple))


def _as_workload(functions_or_workload: Any, x: Any) -> tuple[Workload, bool]:
    if isinstance(functions_or_workload, Workload):
        return functions_or_workload, x is not None
    if isinstance(functions_or_workload, Sequence) and not isinstance(functions_or_workload, str):
        if not all(callable(f) for f in functions_or_workload):
            raise ValueError("run: functions must be a list of callables or a Workload")
        return FunctionList(functions_or_workload, x), True
    got = type(functions_or_workload).__name__
    raise ValueError(f"run: expected a list of callables or a Workload, got {got}")


@dataclass
class Prepared:
    """A validated run, ready to execute (nothing started yet)."""

    workload: Workload
    fixed_x: bool
    x: Any
    schemes: list[Scheme]
    backend: Backend
    model: DelayModel
    faults: list[Any]
    m: int
    workers: int
    tau: float
    trials: int
    timeout: float
    root: np.random.SeedSequence
    config: dict[str, Any]
    task_timeout: float | None = None


def prepare(
    functions_or_workload: Any,
    x: Any = None,
    *,
    scheme: str | Scheme | Sequence[str | Scheme] | None = None,
    backend: str | Backend = "local",
    workers: int | None = None,
    delay: str | DelayModel = "none",
    tau: float = 0.0,
    trials: int = 1,
    seed: int | None = None,
    timeout: float = 60.0,
    fail: str | Sequence[str] | None = None,
    workload_spec: str | None = None,
    task_timeout: float | None = None,
) -> Prepared:
    """Check everything :func:`run` needs, start nothing; ``ValueError`` with one line if bad."""
    workload, fixed = _as_workload(functions_or_workload, x)
    if scheme is None:  # the family's default code (sums: lt:r=1)
        scheme = DEFAULT_SCHEME.get(workload.family, "uncoded")
    specs: list[Any] = [scheme] if _single(scheme) else list(scheme)  # type: ignore[arg-type]
    check("run", "scheme", scheme, len(specs) >= 1, "at least one scheme spec")
    schemes = [resolve_scheme(s, workload.family) for s in specs]  # read in the job's family
    model = make_delay(delay)
    faults = parse_faults(fail)
    be = get_backend(backend)
    m = int(workload.m)
    workers = m if workers is None else workers
    spare = getattr(workload, "spare_workers", False)  # more workers than units: see Workload
    whole = isinstance(workers, (int, np.integer)) and not isinstance(workers, bool)
    bound = max(m, int(workers)) if spare and whole else m
    check_sizes("run", m=bound, workers=workers, tau=tau, trials=trials)
    check_number("run", "timeout", timeout, low=0, low_open=True, high=MAX_TIME)
    check_number(
        "run", "task_timeout", task_timeout, low=0, low_open=True, high=timeout, optional=True
    )
    check_seed("run", seed)
    for s in schemes:
        s.validate(m, int(workers))
        check_workload = getattr(s, "check_workload", None)
        if check_workload is not None:  # e.g. a learned code trained through this very F
            check_workload(workload, x if fixed else None)  # matmul: are A and B complex?
    be.check(workload)
    root = root_sequence(seed)
    config = {
        "workload": workload_spec
        or getattr(workload, "spec", "")
        or workload.name
        or type(workload).__name__,
        "family": workload.family,
        "m": m,
        "workers": int(workers),
        "tau": float(tau),
        "delay": getattr(model, "spec", "") or repr(model),
        "trials": int(trials),
        "backend": str(be),
        "seed": seed,
        "entropy": int(root.entropy),  # type: ignore[arg-type]
        "timeout": float(timeout),
        "task_timeout": task_timeout,
        "fail": [repr(f) for f in faults],
    }
    if workload.family == "matmul":  # what the prediction assumed (replay reads it back)
        config["complex_operands"] = any(getattr(s, "complex_input", False) for s in schemes)
    return Prepared(
        workload,
        fixed,
        x,
        schemes,
        be,
        model,
        faults,
        m,
        int(workers),
        float(tau),
        int(trials),
        float(timeout),
        root,
        config,
        None if task_timeout is None else float(task_timeout),
    )


def warm_up(scheme: Scheme, m: int, workers: int) -> None:
    """Decode once on a throwaway plan, so one-time costs (imports, caches) are not timed.

    Feeds values of zeros in the completion order of random delays (so decoders take the same
    paths as in real runs, e.g. SR's linear solve) until the decoder is ready or ``4·workers``
    tasks were fed.
    """
    if not isinstance(scheme, Scheme) or isinstance(scheme, Ideal) or scheme.dynamic:
        return  # only the sums family's static plans (other families' decoders warm up alone)
    rng = np.random.default_rng(0)
    plan = scheme.plan(m, workers, rng)
    dec = scheme.decoder(plan)
    order = np.argsort(plan.finish_times(rng.exponential(size=workers), 0.1), kind="stable")
    zero = np.zeros(1)
    with warnings.catch_warnings():  # a throwaway decode: its conditioning warnings are noise
        warnings.simplefilter("ignore")
        for task in order[: 4 * workers]:
            dec.add_task(int(task), zero)
            if dec.ready:
                dec.result()
                return


def _reference(p: Prepared, x: Any, notes: list[str]) -> Any:
    """The exact F(x) on the master, under the run's ``timeout`` and fault handling.

    Evaluated on a daemon thread: a function that raises or hangs costs the run its error
    check (``error`` is unknown, the reason is in ``config["reference"]``), never the run itself,
    which then ends as it would with ``check_error=False`` (a function that hangs on every call:
    ``NotDecodableError`` after the timeout).
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = p.workload.exact(x)
        except BaseException as e:  # reported, never raised: the run decides
            box["error"] = f"{type(e).__name__}: {e}"

    thread = threading.Thread(target=target, name="codedcomp-reference", daemon=True)
    thread.start()
    thread.join(p.timeout)
    if thread.is_alive():
        notes.append(f"reference F(x) not computed: no return after {p.timeout:g} s")
        return None
    if "error" in box:
        notes.append(f"reference F(x) not computed: {box['error']}"[:300])
        return None
    return box["value"]


def execute_prepared(
    p: Prepared, *, progress: Progress | None = None, predict: bool = True, check_error: bool = True
) -> RunReport:
    """Run every trial of every scheme of a :class:`Prepared` run (common random numbers)."""
    X = sample_delays(p.model, p.workers, p.trials, p.root)
    n_s = len(p.schemes)
    pred_lat = np.full((n_s, p.trials), np.nan)
    pred_rec = np.zeros((n_s, p.trials), dtype=np.int64)
    pred_work: list[list[Work | None]] = [[None] * p.trials for _ in p.schemes]
    pred_ans: list[list[Any]] = [[None] * p.trials for _ in p.schemes]
    natural = isinstance(p.model, NoDelay) and p.tau == 0
    sim_ctx = JobContext(m=p.m, workers=p.workers, tau=p.tau, delay=p.model)
    unit_timeout = p.task_timeout or default_task_timeout(p.tau, 1.0, p.timeout)
    run_ctx = replace(sim_ctx, executor="run", natural=natural, task_timeout=unit_timeout)
    for s in p.schemes:
        warm_up(s, p.m, p.workers)
    key = uuid.uuid4().hex
    per: list[dict[str, list[Any]]] = [
        {"values": [], "lat": [], "rec": [], "err": [], "rel": [], "traces": [], "scores": []}
        for _ in p.schemes
    ]
    ref_notes: list[str] = []
    fixed_exact = _reference(p, p.x, ref_notes) if check_error and p.fixed_x else None
    try:
        with interrupt.guard():
            for t in range(p.trials):
                interrupt.check()
                seq = trial_sequence(p.root, t)
                x_t = p.x if p.fixed_x else p.workload.input(substream(seq, "input"))
                # the reference F(x) is computed on the master, serially (once if x is fixed)
                exact = (
                    fixed_exact if p.fixed_x or not check_error else _reference(p, x_t, ref_notes)
                )
                drawn = draw_faults(p.faults, p.workers, substream(seq, "faults"))
                for k, s in enumerate(p.schemes):
                    policy = s.policy(run_ctx, substream(seq, s.canonical))
                    if predict:  # the simulator on the same delays and stream: the same plan
                        # per-query answers come from the policy the event-driven path drove
                        path: Any = "events" if getattr(s, "per_query", False) else "auto"
                        out = simulate_one(s, ctx=sim_ctx, x=X[t], seq=seq, path=path)
                        pred_lat[k, t], pred_rec[k, t], pred_work[k][t] = (
                            out.latency,
                            out.received,
                            out.work,
                        )
                        if out.job is not None:
                            pred_ans[k][t] = out.job.policy.answers()
                    faults = place_faults(p.faults, drawn, policy.planned_tasks())
                    ex = execute(
                        policy,
                        backend=p.backend,
                        workload=p.workload,
                        x=x_t,
                        delays=X[t],
                        tau=p.tau,
                        faults=faults,
                        timeout=p.timeout,
                        workload_key=key,
                        trial=t,
                        task_timeout=p.task_timeout,
                    )
                    lat = pred_lat[k, t]
                    ex.trace.predicted = {
                        "latency": float(lat) if np.isfinite(lat) else None,
                        "received": int(pred_rec[k, t]),
                    }
                    if pred_ans[k][t] is not None:
                        ex.trace.predicted["answers"] = [
                            [a if np.isfinite(a) else None, how] for a, how in pred_ans[k][t]
                        ]
                    book = per[k]
                    book["values"].append(ex.value)
                    book["lat"].append(ex.latency)
                    book["rec"].append(ex.trace.received)
                    book["err"].append(ex.error)
                    book["rel"].append(
                        relative_error(ex.value, exact)
                        if ex.value is not None and exact is not None
                        else np.nan
                    )
                    book["traces"].append(ex.trace)
                    book["scores"].append(_score(p.workload, x_t, ex, exact))
                    if progress:
                        progress(1)
    except KeyboardInterrupt as e:  # the trials done so far travel with the interrupt
        e.report = _report(p, per, pred_lat, pred_rec, pred_work, ref_notes, pred_ans)  # type: ignore[attr-defined]
        raise
    return _report(p, per, pred_lat, pred_rec, pred_work, ref_notes, pred_ans)


def _score(workload: Workload, x: Any, ex: Any, exact: Any) -> dict[str, Any] | None:
    """The answers of a decoded job serving several (inference), scored per query: against the
    labels the workload kept on the master, against F's own answer, and which were decoded."""
    labels = getattr(workload, "labels", None)
    lab = labels(x) if labels is not None else None
    if lab is None or ex.value is None or ex.trace.answers is None:
        return None
    pred = np.asarray(ex.value).argmax(axis=-1)
    ref = np.asarray(exact).argmax(axis=-1) if exact is not None else None
    return {
        "correct": pred == lab,
        "agree": None if ref is None else pred == ref,  # unknown without the reference
        "base": None if ref is None else ref == lab,
        "decoded": np.array([how == "decoded" for _, how in ex.trace.answers], dtype=bool),
    }


def _report(
    p: Prepared,
    per: list[dict[str, list[Any]]],
    pred_lat: np.ndarray,
    pred_rec: np.ndarray,
    pred_work: list[list[Work | None]],
    ref_notes: list[str],
    pred_ans: list[list[Any]] | None = None,
) -> RunReport:
    """The report of the trials done so far (all of them, or those before an interrupt)."""
    results = [
        RunResult(
            scheme=s.label,
            values=b["values"],
            latencies=np.array(b["lat"], dtype=float),
            predicted=pred_lat[k, : len(b["lat"])],
            predicted_received=pred_rec[k, : len(b["lat"])],
            received=np.array(b["rec"], dtype=np.int64),
            errors=b["err"],
            relative_errors=np.array(b["rel"], dtype=float),
            traces=b["traces"],
            predicted_work=pred_work[k][: len(b["lat"])],
            predicted_answers=pred_ans[k][: len(b["lat"])] if pred_ans else [],
            scores=b["scores"],
        )
        for k, (s, b) in enumerate(zip(p.schemes, per, strict=True))
    ]
    config = dict(p.config)
    done = min(len(b["lat"]) for b in per)
    if done < p.trials:
        config["interrupted_after_trials"] = done
    if ref_notes:
        config["reference"] = sorted(set(ref_notes))[:3]
    return RunReport(config, results)


def run(
    functions_or_workload: Any,
    x: Any = None,
    *,
    scheme: str | Scheme | Sequence[str | Scheme] | None = None,
    backend: str | Backend = "local",
    workers: int | None = None,
    delay: str | DelayModel = "none",
    tau: float = 0.0,
    trials: int = 1,
    seed: int | None = None,
    timeout: float = 60.0,
    fail: str | Sequence[str] | None = None,
    progress: Progress | None = None,
    on_error: Literal["raise", "record"] = "raise",
    predict: bool = True,
    check_error: bool = True,
    task_timeout: float | None = None,
) -> RunResult | RunReport:
    """Compute F(x) = Σ f_i(x) for real with a coded scheme, stopping when enough results are in.

    ``functions_or_workload``: a list of callables ``f_i`` (evaluated at ``x``) or a
    :class:`~codedcomp.workloads.base.Workload` (then ``x`` fixes the input; by default each trial
    draws one).  ``scheme``: a spec (returns a :class:`RunResult`) or a list of specs (returns a
    :class:`RunReport` comparing them on the same delays, inputs and faults), read in the
    workload's family; default: the family's code (``lt:r=1`` for sums, ``matdot:m=2`` for matmul,
    ``sum-parity`` for inference).  ``workers``
    defaults to ``m``.  ``delay``: injected initial delays ``X_j`` (``"none"``: natural
    stragglers); ``tau``: seconds per unit of work each task is padded to (0: no padding, tasks
    run at natural speed).  ``fail``: injected faults (``"crash:p=0.1"``, ``"hang:p=0.1"``,
    ``"raise:p=0.1"``, or a list).  ``timeout``: seconds per trial before giving up.
    ``task_timeout``: seconds one ``f_i`` call (one task) may run before it is abandoned as hung —
    an erasure of that task only: its worker goes on, the other workers of its host carry on,
    and pull queues (``ideal``) re-issue a unit not returned in that time (default: ten times
    the task's padded window, at least 1 s; at natural speed a quarter of ``timeout``).
    ``on_error="raise"`` raises :class:`~codedcomp.NotDecodableError` if any trial did not decode
    (the partial report is on the exception's ``report`` attribute); ``"record"`` keeps the
    messages in ``errors``.  ``check_error``: compute the exact F(x) on the master (serially,
    under ``timeout``: a reference that raises or hangs leaves the error unknown and says why in
    ``config["reference"]``;
    once per distinct input, outside the timed run) to report each answer's relative error;
    turn it off for functions too slow (or unsafe) to evaluate all at once on the master.
    """
    check("run", "on_error", on_error, on_error in ("raise", "record"), "'raise' or 'record'")
    single = _single(scheme)
    prepared = prepare(
        functions_or_workload,
        x,
        scheme=scheme,
        backend=backend,
        workers=workers,
        delay=delay,
        tau=tau,
        trials=trials,
        seed=seed,
        timeout=timeout,
        fail=fail,
        task_timeout=task_timeout,
    )
    report = execute_prepared(prepared, progress=progress, predict=predict, check_error=check_error)
    if on_error == "raise":
        msg = report.first_error()
        if msg is not None:
            err = NotDecodableError(msg)
            err.report = report  # type: ignore[attr-defined]
            raise err
    return report.results[0] if single else report
