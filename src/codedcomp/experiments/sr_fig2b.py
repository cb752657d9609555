"""``sr-fig2b``: paper 000 (Mallick, Joshi, ITW 2022), Fig. 2b — SR-k with limited access vs LT.

SR-k: each worker has access to only k ≤ m source symbols (its own systematic symbol and k − 1
random others, ``sr:d=10,k=K``; reading documented in :mod:`codedcomp.codes.sums.sr`).  The paper
plots k = 100 against LT at the Fig. 2a setting (m = 1000, τ = 0.005, X ~ Exp(0.2), d = 10, 100
trials) and claims SR-k still outperforms LT; we add k = 50 and 200 to locate where that stops,
and SR-1000 (full access) for reference.  LT is read as rateless (``me`` unset, paper 001
Thm. 1's m_e → ∞); ``lt:r=1,me=2m`` (2 symbols per worker, paper 001's AWS Lambda set-up) is
simulated beside it and every SR-k judged again against it, as a sensitivity check.
"""

from __future__ import annotations

import numpy as np

from .latency import (
    Arm,
    LatencyRun,
    add_latency_report,
    faster,
    lt_finite_arm,
    lt_reading,
    margin,
    quantile,
    simulate_arms,
    write_latency_csv,
    write_tail,
)
from .registry import Context, Experiment, register
from .report import Summary, fmt
from .sr_fig2a import PAPER, D

PAPER_TRIALS = 100
# SR-100's p99 is only ~5 % below LT's and, at 100 trials, the two sample p99s differ by that
# ± ~3 % from seed to seed, so the verdict at the paper's k changed with the seed (seed 9 of
# 0–9); 500 trials shrink that spread ~2.2×, leaving the gap ~4 spreads from zero.
TRIALS = 500


def _run(ctx: Context) -> Summary:
    ks: tuple[int, ...]
    if ctx.quick:
        m, trials, ks, headline = 100, 30, (20, 50), 20
    else:
        m, trials, ks, headline = 1000, TRIALS, (50, 100, 200), 100
    tau, delay = 0.005, "exp:rate=0.2"
    lt_me = lt_finite_arm(m)
    arms = [Arm("LT", "lt:r=1"), lt_me] + [Arm(f"SR-{k}", f"sr:d={D},k={k}") for k in ks]
    arms += [Arm(f"SR-{m}", f"sr:d={D}"), Arm("ideal", "ideal")]
    s = Summary(
        "sr-fig2b",
        PAPER,
        "Fig. 2b",
        "SR-k (each worker accesses only k source symbols) vs LT: latency tails",
        quick=ctx.quick,
        seed=ctx.seed,
    )
    s.setup = [
        f"m = {m}, τ = {tau}, X ~ Exp(0.2), d = {D}, {trials} trials (paper: m = 1000, k = 100, "
        f"{PAPER_TRIALS} trials; more here so that the verdicts do not hang on the seed — see "
        "the notes).",
        "Schemes: " + ", ".join(f"{x.label} = `{x.spec}`" for x in arms) + ".",
        "SR-k reading (`codedcomp.codes.sums.sr`): worker i accesses its own f_i and k − 1 "
        "others chosen uniformly; it computes its systematic symbol, then parities of d of them "
        "without replacement, and stops when they are exhausted.",
        lt_reading(m),
    ]
    run = simulate_arms(ctx, arms, m=m, tau=tau, delay=delay, trials=trials)
    s.files += [
        write_latency_csv(ctx, run),
        *write_tail(
            ctx,
            run,
            f"paper 000 Fig. 2b: SR-k vs LT, m={m}, τ={tau}, Exp(0.2), d={D}, {trials} trials",
        ),
    ]
    add_latency_report(
        s,
        run,
        paper_setting="the run's m, τ and μ (paper 001 Thm. 1 is for m_e → ∞, so none is set "
        "beside LT with a finite m_e)",
    )

    head = f"SR-{headline}"
    ok_t, ev_t = lighter_tail_ci(run, head, "LT", ctx.seed)
    ok_f, ev_f = faster(run, head, "LT")
    mean_sr, mean_lt = float(np.mean(run.latency(head))), float(np.mean(run.latency("LT")))
    s.claim(
        "000 §IV",
        f"even with k = {headline}, SR codes significantly outperform LT codes",
        ok_t and ok_f,
        f"tail: {ev_t}; speed: {ev_f}; means {fmt(mean_sr)} vs {fmt(mean_lt)} "
        f"({100 * (mean_sr / mean_lt - 1):+.1f} %)",
    )
    verdicts = []
    for k in ks:
        ok = _outperforms(run, f"SR-{k}", "LT", ctx.seed)
        verdicts.append((k, ok, float(np.median(run.latency(f"SR-{k}")))))
    # The caption is about the plotted k; the other k are our extension, reported, not judged.
    s.claim(
        f"000 Fig. 2b caption, at the plotted k = {headline}",
        "Despite limiting the number of source symbols that each worker has access to, SR "
        "Codes continue to outperform LT Codes",
        next(ok for k, ok, _ in verdicts if k == headline),
        "; ".join(
            f"SR-{k}: {'outperforms' if ok else 'does NOT outperform'} LT (median "
            f"{fmt(med)} vs {fmt(float(np.median(run.latency('LT'))))})"
            for k, ok, med in verdicts
        )
        + " (outperform = lighter tail and faster, as defined in the notes; k other than "
        f"{headline} is our extension, outside the paper's claim)",
    )
    sens = [(k, ok, _outperforms(run, f"SR-{k}", lt_me.label, ctx.seed)) for k, ok, _ in verdicts]
    s.table(
        "Sensitivity: the LT reading",
        [
            "SR-k",
            "outperforms rateless LT (judged above)",
            f"outperforms {lt_me.label}",
            "evidence",
        ],
        [
            [
                f"SR-{k}" + (" (the paper's k)" if k == headline else " (our extension)"),
                "yes" if ok else "**no**",
                "yes" if ok_me else "**no**",
                f"tail: {lighter_tail_ci(run, f'SR-{k}', lt_me.label, ctx.seed)[1]}; speed: "
                f"{faster(run, f'SR-{k}', lt_me.label)[1]}",
            ]
            for k, ok, ok_me in sens
        ],
        note=(
            f"Each SR-k judged again with LT replaced by `{lt_me.spec}` (2 symbols per worker, "
            "as paper 001 ran LT on AWS Lambda; see Setup), with the same reading of "
            "'outperform'. Verdicts that change with the LT reading: "
            + (
                ", ".join(
                    f"SR-{k} ({'outperforms' if ok_me else 'does not outperform'} LT at "
                    f"m_e = 2m, {'does' if ok else 'does not'} against rateless LT)"
                    for k, ok, ok_me in sens
                    if ok != ok_me
                )
                or "none"
            )
            + "."
        ),
    )
    beaten = [k for k, ok, _ in verdicts if not ok]
    if beaten:
        s.notes.append(
            "Extension beyond the paper: with k = "
            + ", ".join(map(str, beaten))
            + " SR-k no longer outperforms rateless LT — the claim holds at the paper's k, not "
            "for arbitrarily limited access. Against LT with 2 symbols per worker it "
            + (
                "still does not."
                if any(not ok_me for k, _, ok_me in sens if k in beaten)
                else "does (sensitivity table): this verdict depends on the LT reading."
            )
        )
    s.notes += [
        f"Margins: {margin(run, head, 'LT')} (rateless LT); {margin(run, head, lt_me.label)} "
        "(LT with 2 symbols per worker). The paper's 'significantly' is not quantified; what "
        "we reproduce is the ordering, with this margin — which depends on the LT reading.",
        "'Outperform' is read as both a lighter tail and faster (median below LT's and faster "
        "in most paired trials); the paper does not define it. 'Lighter tail' is judged here "
        f"on {100 * LEVEL:.0f} % paired-bootstrap confidence intervals ({BOOT} resamples) of "
        "the differences of the p90s and of the p99s: lighter iff significantly lower at one of "
        "them at least and significantly higher at neither (an interval containing 0 is "
        "'unresolved').",
        f"Trials: {TRIALS} instead of the paper's {PAPER_TRIALS} (quick runs use fewer). At the "
        "paper's k = 100, SR's p99 is only about 5 % below rateless LT's, and at 100 trials the "
        "two sample p99s (each nearly a sample maximum) differ by that ± about 3 % from seed to "
        "seed: an earlier version of this reproduction, at 100 trials, reproduced the claim at "
        "seeds 0–8 and not at seed 9 (SR-100 p99 0.8809 vs LT 0.8796). More trials narrow that "
        "spread about 2.2×, but not enough: at 500 trials the point estimates still put SR-100's "
        "p99 above LT's at seed 8 of 0–9 (0.9596 vs 0.9484), and the p99 difference's CI "
        "contains 0 at about half the seeds. So the tail is judged on confidence intervals "
        "(previous note): at every seed 0–9 SR-100's p90 is significantly below LT's and its "
        "p99 significantly above at none, while whether its p99 is significantly below depends "
        "on the seed — the evidence column says which.",
        "Smaller k means fewer parities per worker (1 + ⌈(k−1)/d⌉ symbols): a slow worker "
        "cannot be compensated by fast ones beyond what they can access, so latency grows as "
        "k falls; the paper plots only k = 100.",
    ]
    if ctx.quick:
        s.notes.append(f"Quick run: k = {headline} plays the paper's k = 100 at m = {m}.")
    return s


BOOT = 2000  # paired bootstrap resamples
LEVEL = 0.95


def lighter_tail_ci(run: LatencyRun, a: str, b: str, seed: int) -> tuple[bool, str]:
    """Whether ``a``'s tail is lighter than ``b``'s, judged on confidence intervals.

    For q = 0.9 and 0.99, a paired percentile bootstrap (:data:`BOOT` resamples of the trials,
    both schemes resampled together: common random numbers) gives a :data:`LEVEL` CI of
    ``q_a − q_b``.  A quantile is *below* if its CI is below 0, *above* if above 0, else
    *unresolved*.  ``a`` has the lighter tail iff at least one quantile is below and none is
    above: significantly lighter somewhere in the tail, significantly heavier nowhere.
    """
    la, lb = run.latency(a), run.latency(b)
    rng = np.random.default_rng([seed, 2])
    idx = rng.integers(0, la.size, size=(BOOT, la.size))
    alpha = (1 - LEVEL) / 2
    states, parts = [], []
    for q in (0.9, 0.99):
        with np.errstate(invalid="ignore"):  # ∞ − ∞ where both never decoded
            diff = np.quantile(la[idx], q, axis=1, method="inverted_cdf") - np.quantile(
                lb[idx], q, axis=1, method="inverted_cdf"
            )
        diff = np.nan_to_num(diff, nan=0.0, posinf=np.inf, neginf=-np.inf)  # ∞ − ∞: a tie
        lo, hi = (float(np.quantile(diff, x, method="inverted_cdf")) for x in (alpha, 1 - alpha))
        state = "below" if hi < 0 else "above" if lo > 0 else "unresolved"
        states.append(state)
        point = quantile(la, q) - quantile(lb, q)
        parts.append(
            f"p{round(100 * q)} {fmt(quantile(la, q))} vs {fmt(quantile(lb, q))}, difference "
            f"{fmt(point)} ({100 * LEVEL:.0f} % CI [{fmt(lo)}, {fmt(hi)}]: {state})"
        )
    ok = "below" in states and "above" not in states
    return ok, f"{a} vs {b}: " + "; ".join(parts)


def _outperforms(run: LatencyRun, a: str, b: str, seed: int) -> bool:
    """'Outperform' as read in the notes: a lighter tail (on CIs) and faster."""
    return lighter_tail_ci(run, a, b, seed)[0] and faster(run, a, b)[0]


EXPERIMENT = register(
    Experiment(
        "sr-fig2b",
        PAPER,
        "Fig. 2b",
        "SR-k (k = 50, 100, 200, 1000) vs LT latency tails, X ~ Exp(0.2), m = 1000, d = 10",
        _run,
    )
)
