"""``sr-fig2a``: paper 000 (Mallick, Joshi, ITW 2022), Fig. 2a and §IV "Simulations".

The tail P(T > t) of One, Uncoded, Fractional Repetition (Rep), BCC, LT and SR-1000 under
Y_j = X_j + τ·B_j with m = 1000, τ = 0.005, X ~ Exp(0.2) and d = 10, from 100 Monte Carlo trials
(Fig. 2 caption).  Readings: the paper's Rep groups workers by d ("workers d(j−1)+1, …, dj each
compute the partial sum", §II-B(3)), so Rep is ``rep:r=10``; BCC uses batches of d = 10
(``bcc:d=10``); LT is LT-1 of paper 001 (``lt:r=1``); SR-1000 is full-access SR (``sr:d=10``).
``ideal`` is a reference we add.  LT is read as rateless (``me`` unset: every worker keeps
producing symbols, paper 001 Thm. 1's m_e → ∞); ``lt:r=1,me=2m`` (2 symbols per worker, paper
001's AWS Lambda set-up) is simulated beside it and every claim judged again against it, as a
sensitivity check on that reading.  BCC's exact quantiles are unconditional (never decoding is
T = ∞), like the simulated ones.  Closed forms: Prop. 1/2 of paper 001 for One, Uncoded and Rep
(exact), the exact BCC law derived in :mod:`codedcomp.sim.closed_forms`, and the bounds of paper
000 Thm. 1 (SR) and paper 001 Thm. 1 (LT).
"""

from __future__ import annotations

import numpy as np

from .latency import (
    Arm,
    LatencyRun,
    add_latency_report,
    faster,
    lightest,
    lt_finite_arm,
    lt_reading,
    margin,
    quantile,
    simulate_arms,
    write_latency_csv,
    write_tail,
)
from .mprime import quantile_ci
from .registry import Context, Experiment, register
from .report import Summary, fmt

PAPER = "000 (Mallick, Joshi, ITW 2022)"
D = 10


def arms(d: int = D, m: int = 1000) -> list[Arm]:
    return [
        Arm("One", "one"),
        Arm("Unc", "uncoded"),
        Arm(f"Rep (r={d})", f"rep:r={d}"),
        Arm(f"BCC (d={d})", f"bcc:d={d}"),
        Arm("LT", "lt:r=1"),
        lt_finite_arm(m),
        Arm("SR-1000", f"sr:d={d}"),
        Arm("ideal", "ideal"),
    ]


def lower_end_crossing(run: LatencyRun, a: str, b: str) -> float:
    """Largest q on a 1 %-grid such that ``a``'s q-quantile is below ``b``'s at every grid point
    up to q (0 if ``a`` is never ahead at the lower end): how much of the distribution ``a``
    leads ``b`` in."""
    qs = np.arange(0.01, 1.0, 0.01)
    ahead = np.array([quantile(run.latency(a), q) < quantile(run.latency(b), q) for q in qs])
    if not ahead[0]:
        return 0.0
    return float(qs[np.argmin(ahead)] - 0.01) if not ahead.all() else 1.0


def _run(ctx: Context) -> Summary:
    m, trials = (100, 30) if ctx.quick else (1000, 100)
    tau, delay = 0.005, "exp:rate=0.2"
    s = Summary(
        "sr-fig2a",
        PAPER,
        "Fig. 2a",
        "SR codes vs One, Uncoded, Rep, BCC and LT: latency tails, X ~ Exp(0.2)",
        quick=ctx.quick,
        seed=ctx.seed,
    )
    a = arms(m=m)
    lt_me = lt_finite_arm(m).label
    s.setup = [
        f"m = {m} functions and workers, τ = {tau}, X ~ Exp(0.2), d = {D}, {trials} trials "
        "(paper: m = 1000, 100 trials), common random numbers across schemes.",
        "Schemes: " + ", ".join(f"{x.label} = `{x.spec}`" for x in a) + ".",
        f"Rep is the paper's fractional repetition with groups of d = {D} workers (§II-B(3)); "
        "LT is LT-1 of paper 001 (Robust Soliton, library defaults c = 0.03, δ = 0.5, which "
        "neither paper states); ideal (perfect load balancing) is our reference lower bound.",
        lt_reading(m),
    ]
    run = simulate_arms(ctx, a, m=m, tau=tau, delay=delay, trials=trials)
    s.files += [
        write_latency_csv(ctx, run),
        *write_tail(
            ctx, run, f"paper 000 Fig. 2a: m={m}, τ={tau}, Exp(0.2), d={D}, {trials} trials"
        ),
    ]
    theories = add_latency_report(
        s,
        run,
        paper_setting="the run's m, τ and μ (paper 001's formulas; paper 000 states only Thm. 1; "
        "Thm. 1 of paper 001 is for m_e → ∞, so none is set beside LT with a finite m_e)",
    )
    verdicts = {lt: _claims(run, lt) for lt in ("LT", lt_me)}
    for (source, text, _), (ok, ev) in zip(CLAIMS, verdicts["LT"], strict=True):
        s.claim(source, text, ok, ev)
    s.table(
        "Sensitivity: the LT reading",
        ["#", "claim", "vs rateless LT (judged above)", f"vs {lt_me}", f"evidence vs {lt_me}"],
        [
            [
                str(i),
                short,
                "reproduced" if ok else "**NOT reproduced**",
                "reproduced" if ok_me else "**NOT reproduced**",
                ev_me,
            ]
            for i, ((_, _, short), (ok, _), (ok_me, ev_me)) in enumerate(
                zip(CLAIMS, verdicts["LT"], verdicts[lt_me], strict=True), 1
            )
        ],
        note=(
            f"The same claims judged with LT replaced by `{lt_me}` (2 symbols per worker, as "
            "paper 001 ran LT on AWS Lambda; see Setup). A worker that is slow to start cannot be "
            "compensated by fast ones beyond their 2 symbols, so LT's latency is no longer the "
            "rateless one."
        ),
    )
    bcc_label = f"BCC (d={D})"
    bcc, bcc_th = run.latency(bcc_label), theories[bcc_label]
    _, bcc_lo, bcc_hi = quantile_ci(bcc, 0.99, strict=True)
    s.notes += [
        f"Margins: {margin(run, 'SR-1000', 'LT')} (rateless LT); {margin(run, 'SR-1000', lt_me)} "
        f"(LT with 2 symbols per worker). The paper's 'significantly' is not quantified; what "
        "we reproduce is the ordering, with this margin — which depends on the LT reading.",
        f"BCC never decoded in {int((~np.isfinite(bcc)).sum())} of {trials} trials (no batch "
        "left unpicked is not guaranteed: the exact failure probability is in the table). "
        "Exact and simulated quantiles are compared like with like: both unconditional, a "
        "never-decoding trial counting as T = ∞. BCC p99: simulated "
        f"{fmt(quantile(bcc, 0.99))} (95 % CI [{fmt(bcc_lo)}, {fmt(bcc_hi)}], order "
        f"statistics; {trials} trials hardly pin a p99 down), exact "
        f"{fmt(bcc_th.quantile(0.99))}; given that it decodes, the exact p99 would be "
        f"{fmt(bcc_th.conditional_quantile(0.99))} (not comparable with the simulated column).",
        "Paper 000 gives no numbers for Fig. 2a; the numbers above are the closed forms of "
        "paper 001 (Prop. 1, 2; exact under this model) and the two papers' bounds (Thm. 1 of "
        "each; asymptotic, and loose here because 1/μ = 5 dominates them). SR-1000's simulated "
        f"mean is {fmt(float(np.mean(run.latency('SR-1000'))))}, against the bound's "
        f"{fmt(2 * tau * D + 5.0)}.",
    ]
    if ctx.quick:
        s.notes.append("Quick run: verdicts at this size need not match the full-size run.")
    return s


BASELINES = ["One", "Unc", f"Rep (r={D})", f"BCC (d={D})"]
# (source, the paper's words, a short name for the sensitivity table)
CLAIMS = [
    (
        "000 Fig. 2a caption",
        "SR Codes have significantly lighter tail probability of latency than all baselines",
        "SR lighter tail than all baselines",
    ),
    (
        "000 §IV",
        "In rare cases ... [LT gives] a small probability of lower latency ... "
        "clearly a very low probability event",
        "LT lower latency only rarely",
    ),
    ("000 §IV, Remark 2", "SR codes outperform LT codes", "SR outperforms LT"),
]


def _claims(run: LatencyRun, lt: str) -> list[tuple[bool, str]]:
    """The verdicts and evidence of :data:`CLAIMS`, with ``lt`` as the LT baseline."""
    lead = lower_end_crossing(run, lt, "SR-1000")
    paired = float(np.mean(run.latency(lt) < run.latency("SR-1000")))
    return [
        lightest(run, "SR-1000", [*BASELINES, lt]),
        (
            lead <= 0.1,
            f"{lt}'s quantiles are below SR's for the lowest {100 * lead:.0f} % of the "
            f"distribution (reading: reproduced if ≤ 10 %); T({lt}) < T(SR) in "
            f"{100 * paired:.0f} % of paired trials",
        ),
        faster(run, "SR-1000", lt),
    ]


EXPERIMENT = register(
    Experiment(
        "sr-fig2a",
        PAPER,
        "Fig. 2a",
        "SR-1000 vs One, Uncoded, Rep, BCC, LT latency tails, X ~ Exp(0.2), m = 1000, d = 10",
        _run,
    )
)
