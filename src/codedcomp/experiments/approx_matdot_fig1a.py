"""``approx-matdot-fig1a``: paper 004 (Cadambe, Calmon, Devulapalli, Jeong, ISIT 2021), Fig. 1a.

Algorithm 1 (alternating quadratic minimisation of objective (25), §IV-B) for ``k = 2m − 2`` and
several ``(m, k, P)``; for each, the best loss over many random starts.  The paper runs 1000
starts × 10⁶ iterations and reports that "the best codes found have a loss (~10⁻⁵) that is much
smaller than 1/m²" (§IV-C).  That budget is ~28 CPU-hours per configuration here, so we run
fewer starts and iterations (all starts as one batch, :func:`~codedcomp.codes.matmul.
alternating_minimization`) and state what we ran.  Because the loss falls like ``c/t`` with the
iteration count ``t`` (measured: ``t × loss`` is flat over the second half of every run), we also
report ``c/10⁶``, the loss our best start would reach at the paper's 10⁶ iterations if the ``c/t``
law continued — an extrapolation, labelled as such, checked against the trace.

Readings: the loss plotted is objective (25) *summed* over the ``C(P, k)`` straggler patterns
(the paper's y-axis says "min loss"; we also give the per-pattern mean); ``P = k + 1`` (the
paper's examples use one spare worker: (m, k, P) = (2, 2, 3), (5, 5, 7)); the figure's exact
configurations are not stated in the text.
"""

from __future__ import annotations

import numpy as np

from ..codes.matmul import ApproxMatDotCode, Design, alternating_minimization, design_loss, patterns
from .registry import Context, Experiment, register
from .report import Summary, fmt, write_csv

PAPER = "004 (Cadambe, Calmon, Devulapalli, Jeong, ISIT 2021)"
PAPER_LOSS = 1e-5
PAPER_ITERS = 1_000_000
PAPER_STARTS = 1000


def configs(quick: bool) -> list[tuple[int, int, int]]:
    ms = (2, 3) if quick else (2, 3, 4, 5)
    out = [(m, 2 * m - 2, 2 * m - 1) for m in ms]
    if not quick:
        out += [(2, 2, 4), (3, 4, 6)]
    return out


def _run(ctx: Context) -> Summary:
    iterations, starts = (400, 4) if ctx.quick else (100_000, 16)
    s = Summary(
        "approx-matdot-fig1a",
        PAPER,
        "Fig. 1a",
        "Algorithm 1 (alternating minimisation), k = 2m − 2: best loss over random starts",
        quick=ctx.quick,
        seed=ctx.seed,
    )
    cfgs = configs(ctx.quick)
    s.setup = [
        f"(m, k, P) ∈ {cfgs}; {starts} random Gaussian starts × {iterations:,} iterations each "
        f"(paper: {PAPER_STARTS} starts × {PAPER_ITERS:,} iterations).",
        "Loss = objective (25), summed over all C(P, k) patterns of k returning workers.",
        "Extrapolated loss at 10⁶ iterations = (t × loss at the last iteration)/10⁶, from the "
        "measured c/t decay (an extrapolation, not a run).",
    ]
    trace_rows: list[list[object]] = []
    final_rows: list[list[object]] = []
    results: list[tuple[int, int, int, Design, int, float, float]] = []
    with ctx.progress(len(cfgs), "Algorithm 1") as advance:
        for m, k, p in cfgs:
            seed = ctx.seed * 1000 + 100 * m + p
            d = alternating_minimization(m, k, p, iterations=iterations, restarts=starts, seed=seed)
            n_pat = len(patterns(p, k))
            t, loss = d.trace_iters, d.trace_loss
            half = t >= t[-1] / 2
            tl = t[half] * loss[half]
            flat = float(tl.max() / tl.min())  # 1 = exactly c/t over the second half
            c = float(t[-1] * loss[-1])
            results.append((m, k, p, d, n_pat, c, flat))
            for it, lo in zip(t, loss, strict=True):
                trace_rows.append([m, k, p, int(it), float(lo)])
            for start, lo in enumerate(d.losses):
                final_rows.append([m, k, p, start, iterations, float(lo)])
            advance(1)
    s.files.append(
        write_csv(
            ctx.path("trace.csv"), ["m", "k", "P", "iteration", "loss_best_start"], trace_rows
        ).name
    )
    s.files.append(
        write_csv(
            ctx.path("starts.csv"), ["m", "k", "P", "start", "iterations", "loss"], final_rows
        ).name
    )
    s.files.append(_plot(ctx, results, iterations))
    rows = []
    eps_loss = {}
    for m, k, p, *_ in results:
        ref = ApproxMatDotCode(
            m=m, workers=p, delta=float(np.finfo(float).eps) ** (1 / k), points="chebyshev"
        )
        eps_loss[(m, k, p)] = design_loss(ref.alpha, ref.beta, k)
    for m, k, p, d, n_pat, c, flat in results:
        spread = float(np.median(d.losses) / d.loss)
        rows.append(
            [
                f"({m}, {k}, {p})",
                str(n_pat),
                fmt(d.loss),
                fmt(d.loss / n_pat),
                f"{spread:.2f}",
                fmt(1 / m**2),
                fmt(c / PAPER_ITERS),
                f"{flat:.2f}",
                fmt(eps_loss[(m, k, p)]),
            ]
        )
    s.table(
        f"Best loss after {iterations:,} iterations",
        [
            "(m, k, P)",
            "patterns",
            "best loss (25)",
            "per pattern",
            "median/best over starts",
            "1/m²",
            "extrapolated to 10⁶ it.",
            "max/min of t·loss, 2nd half",
            "ε-MatDot encoding, loss (25)",
        ],
        rows,
        note="t·loss max/min near 1 means the loss is still falling like c/t at the end of the "
        "run (not converged); median/best near 1 means every start lands at about the same loss. "
        "Last column: objective (25) of the ε-MatDot encoding with real Chebyshev-node points "
        "Δ·cos((2j+1)π/2P), Δ = 2.2e-16^(1/k) — a point of the same search space.",
    )
    main = [r for r in results if r[2] == r[1] + 1]
    worst_best = max(r[3].loss for r in main)
    extrap = [r[5] / PAPER_ITERS for r in main]
    s.number(
        f"best loss, k = 2m − 2, worst over m ∈ {[r[0] for r in main]} ({iterations:,} it.)",
        PAPER_LOSS,
        "~1e-5 (10⁶ it., 1000 starts)",
        worst_best,
        fmt(worst_best),
        kind="reported",
        check="different budget: see the extrapolated row",
    )
    s.number(
        "best loss extrapolated to 10⁶ iterations (c/t), worst over m",
        PAPER_LOSS,
        "~1e-5",
        max(extrap),
        fmt(max(extrap)),
        kind="reported",
        check="within 10× of the paper"
        if 0.1 <= max(extrap) / PAPER_LOSS <= 10
        else "not within 10×",
    )
    small = all(r[3].loss <= 0.01 / r[0] ** 2 for r in results)
    s.claim(
        "004 §IV-C, Fig. 1a",
        "the best codes found have a loss … much smaller than 1/m²",
        small,
        "best loss ≤ 1/(100 m²) for every configuration: "
        + ", ".join(
            f"({m},{k},{p}): {fmt(d.loss)} vs {fmt(1 / m**2)}" for m, k, p, d, *_ in results
        ),
    )
    near = all(e <= 10 * PAPER_LOSS for e in extrap)
    s.claim(
        "004 §IV-C, Fig. 1a",
        "the best codes found have a loss (~10⁻⁵) [after 10⁶ iterations]",
        near,
        "extrapolating our c/t decay to 10⁶ iterations gives "
        + ", ".join(f"m={r[0]}: {fmt(r[5] / PAPER_ITERS)}" for r in main)
        + " (reading: the figure gives an order of magnitude for a best-of-1000 search, so "
        "reproduced if every value is ≤ 1e-4, i.e. ~1e-5 or better); measured directly at "
        f"{iterations:,} iterations: {fmt(worst_best)} at worst, "
        f"{fmt(max(r[3].loss / r[4] for r in main))} per pattern",
    )
    flats = [r[6] for r in results]
    monotone = all(
        bool(np.all(np.diff(r[3].trace_loss) <= 1e-12 * r[3].trace_loss[0])) for r in results
    )
    # converged: the loss fell by < 1 % over the second half of the run
    drops = []
    for r in results:
        t, lo = r[3].trace_iters, r[3].trace_loss
        mid = lo[np.searchsorted(t, t[-1] / 2)]
        drops.append(float(1 - lo[-1] / mid))
    converged = max(drops) < 0.01
    s.claim(
        "004 §IV-B",
        "the resulting objective is non-increasing … and converges to a local minimum",
        monotone and converged,
        f"non-increasing: {'yes' if monotone else 'NO'} (every trace of the best starts). "
        f"Converged within our budget: {'yes' if converged else 'no'} — the loss still fell by "
        f"{100 * min(drops):.0f}–{100 * max(drops):.0f} % over the second half of the runs "
        f"(t·loss flat within a factor {max(flats):.2f}: a c/t drift towards the infimum 0, "
        "not a settled local minimum). Reading: reproduced only if both hold",
    )
    s.notes += [
        "The objective's infimum is 0 and is not attained: ε-MatDot's own encoding (last column "
        "of the table) scores ~1e-15–1e-10 on objective (25), 10⁵–10¹⁰× below what Algorithm 1 "
        "finds, because (25) does not see the size of the decoding weights (which grow like "
        "Δ^−(m−1)). Algorithm 1 drifts towards such ill-conditioned codes at rate c/t.",
        f"Budget: {len(cfgs)} configurations × {starts} starts × {iterations:,} iterations ran in "
        "the time reported above (2 shared cores); the paper's 1000 × 10⁶ per configuration "
        f"would be ~{PAPER_STARTS * PAPER_ITERS / (starts * iterations):.0f}× ours.",
        "Restarts matter little: the median start ends within the factor in the table of the "
        "best (the paper's best-of-1000 is a small gain over best-of-16 at equal iterations).",
        "What the loss buys: Theorem 5 bounds ‖C − Ĉ‖_F ≤ √ℓ·m·η²; in practice the decoded "
        "relative error is about √(per-pattern loss) — ~1e-3 for these codes, where ε-MatDot "
        "decoding from the same k = 2m − 2 results reaches ~1e-8 (see approx-matdot-fig1b).",
    ]
    if ctx.quick:
        s.notes.append(
            "Quick run: 400 iterations, m ∈ {2, 3}; verdicts at this size are not the reproduction."
        )
    return s


def _plot(
    ctx: Context, results: list[tuple[int, int, int, Design, int, float, float]], iterations: int
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for m, k, p, d, *_ in results:
        ax1.loglog(d.trace_iters, d.trace_loss, label=f"(m,k,P)=({m},{k},{p})")
    t = np.array([10, iterations])
    c0 = results[0][5]
    ax1.loglog(t, c0 / t, "k:", label="c/t")
    ax1.axhline(PAPER_LOSS, color="grey", ls="--", label="paper ~1e-5 (10⁶ it.)")
    ax1.set_xlabel("iteration")
    ax1.set_ylabel("loss (25), best start")
    ax1.legend(fontsize=7)
    ax1.grid(True, which="both", alpha=0.3)
    main = [r for r in results if r[2] == r[1] + 1]
    ms = [r[0] for r in main]
    ax2.semilogy(ms, [r[3].loss for r in main], "o-", label=f"best loss, {iterations:,} it.")
    ax2.semilogy(ms, [r[5] / PAPER_ITERS for r in main], "s--", label="extrapolated to 10⁶ it.")
    ax2.semilogy(ms, [1 / m**2 for m in ms], "k:", label="1/m²")
    ax2.axhline(PAPER_LOSS, color="grey", ls="--", label="paper ~1e-5")
    ax2.set_xlabel("m (k = 2m − 2, P = k + 1)")
    ax2.set_ylabel("min loss over starts")
    ax2.legend(fontsize=7)
    ax2.grid(True, which="both", alpha=0.3)
    fig.suptitle("paper 004 Fig. 1a: Algorithm 1, k = 2m − 2", fontsize=9)
    fig.tight_layout()
    fig.savefig(ctx.path("loss.png"), dpi=120)
    plt.close(fig)
    return "loss.png"


EXPERIMENT = register(
    Experiment(
        "approx-matdot-fig1a",
        PAPER,
        "Fig. 1a",
        "Algorithm 1 loss for k = 2m − 2, best of many starts (1/m² and ~1e-5 checked)",
        _run,
    )
)
