"""Deep-ensemble inference, the neural-network workload of paper 000 §II-A.

``f_i(x)`` is the softmax output (shape ``(10,)``) of member ``i`` of an ensemble of ``m`` small
MLPs ``64 → hidden (ReLU) → 10`` for the digit image ``x`` (shape ``(64,)``, intensities 0..16,
scaled by 1/16 inside the network); ``F(x) = Σ_i f_i(x)`` is ``m`` times the ensemble's averaged
prediction and ``argmax F(x)`` its predicted class.

Training follows deep ensembles (Lakshminarayanan et al. 2017) in the cheapest form: every member
has its own random initialisation (He-scaled normal) and its own shuffling of the 1437 training
images of :mod:`codedcomp.workloads.digits`, and is trained for ``epochs`` passes of Adam
(learning rate 0.01, mini-batches of 64, cross-entropy).  All members train at once in numpy
(batched matrix products over the member axis), all randomness from the seed: ``m = 64`` builds
in ≈ 0.4 s, ``m = 1000`` in ≈ 7–10 s (2 shared cores); 5 epochs give ≈ 95 % held-out accuracy per
member.  The trained weights are stored as ``float32`` (the model *is* those weights; evaluation is
in float64), ≈ 9.6 KB per member at ``hidden = 32``.

``partial`` evaluates the task's members in one batched product; ``exact`` loops over the members
one by one with plain matrix-vector products, a separate path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import check
from .base import Workload
from .digits import digits_split

N_CLASSES = 10
N_FEATURES = 64
BATCH = 64
LEARNING_RATE = 0.01


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class DeepEnsemble(Workload):
    """Σ of the softmax outputs of ``m`` independently initialised and trained MLPs."""

    name = "ensemble"

    def __init__(
        self, *, m: int, seed: int | None = None, hidden: int = 32, epochs: int = 5
    ) -> None:
        check(
            "DeepEnsemble", "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1"
        )
        check(
            "DeepEnsemble",
            "hidden",
            hidden,
            isinstance(hidden, (int, np.integer)) and hidden >= 1,
            "an integer >= 1",
        )
        check(
            "DeepEnsemble",
            "epochs",
            epochs,
            isinstance(epochs, (int, np.integer)) and epochs >= 0,
            "an integer >= 0",
        )
        self.m = int(m)
        self.seed = seed
        self.hidden = int(hidden)
        self.epochs = int(epochs)
        self._seq = np.random.SeedSequence(seed)
        params = self._train()
        self.w1, self.b1, self.w2, self.b2 = (p.astype(np.float32) for p in params)

    def _train(self) -> list[np.ndarray]:
        rng = np.random.default_rng(self._seq)
        m, h = self.m, self.hidden
        x_all, y_all, _, _ = digits_split()
        x_all = x_all.astype(np.float64) / 16.0
        onehot = np.eye(N_CLASSES)[y_all]
        params = [
            rng.standard_normal((m, N_FEATURES, h)) * np.sqrt(2.0 / N_FEATURES),
            np.zeros((m, 1, h)),
            rng.standard_normal((m, h, N_CLASSES)) * np.sqrt(2.0 / h),
            np.zeros((m, 1, N_CLASSES)),
        ]
        first = [np.zeros_like(p) for p in params]
        second = [np.zeros_like(p) for p in params]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        n = len(y_all)
        step = 0
        for _ in range(self.epochs):
            order = rng.permuted(np.broadcast_to(np.arange(n), (m, n)), axis=1)
            for start in range(0, n, BATCH):
                rows = order[:, start : start + BATCH]  # (m, B): each member its own batch
                xb, yb = x_all[rows], onehot[rows]
                w1, b1, w2, b2 = params
                pre = xb @ w1 + b1
                act = np.maximum(pre, 0.0)
                grad_logits = (_softmax(act @ w2 + b2) - yb) / rows.shape[1]
                grad_act = grad_logits @ w2.transpose(0, 2, 1)
                grad_pre = grad_act * (pre > 0)
                grads = [
                    xb.transpose(0, 2, 1) @ grad_pre,
                    grad_pre.sum(axis=1, keepdims=True),
                    act.transpose(0, 2, 1) @ grad_logits,
                    grad_logits.sum(axis=1, keepdims=True),
                ]
                step += 1
                for p, g, m1, m2 in zip(params, grads, first, second, strict=True):
                    m1 *= beta1
                    m1 += (1 - beta1) * g
                    m2 *= beta2
                    m2 += (1 - beta2) * g * g
                    m1_hat = m1 / (1 - beta1**step)
                    m2_hat = m2 / (1 - beta2**step)
                    p -= LEARNING_RATE * m1_hat / (np.sqrt(m2_hat) + eps)
        return params

    def input(self, rng: np.random.Generator) -> np.ndarray:
        held_out = digits_split()[2]
        return held_out[rng.integers(len(held_out))].astype(np.float64)

    def _image(self, x: Any) -> np.ndarray:
        v = np.asarray(x, dtype=np.float64)
        check("DeepEnsemble", "x.shape", v.shape, v.shape == (N_FEATURES,), f"({N_FEATURES},)")
        return v / 16.0

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        v = self._image(x)
        idx = np.asarray(indices, dtype=np.int64)
        w1 = self.w1[idx].astype(np.float64)
        act = np.maximum(np.einsum("f,kfh->kh", v, w1) + self.b1[idx, 0], 0.0)
        logits = np.einsum("kh,khc->kc", act, self.w2[idx].astype(np.float64)) + self.b2[idx, 0]
        return _softmax(logits).sum(axis=0).reshape(N_CLASSES)

    def member(self, i: int, x: Any) -> np.ndarray:
        """f_i(x): member ``i``'s softmax output, computed on its own."""
        v = self._image(x)
        act = np.maximum(v @ self.w1[i].astype(np.float64) + self.b1[i, 0], 0.0)
        logits = act @ self.w2[i].astype(np.float64) + self.b2[i, 0]
        e = np.exp(logits - logits.max())
        return np.asarray(e / e.sum())

    def exact(self, x: Any) -> np.ndarray:
        total = np.zeros(N_CLASSES)
        for i in range(self.m):
            total += self.member(i, x)
        return total
