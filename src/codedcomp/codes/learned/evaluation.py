"""Evaluation of a learned code against the sum-parity baseline (paper 003 §4.1.5, §4.2.3).

The test images are cut into groups of k (``groupings`` random permutations, seeded; a remainder
smaller than k is left out of that grouping).  Every group is encoded, its parities go through
the same frozen F, and every scenario of :func:`~.erasures.scenarios` is decoded.  Every
reconstructed (unavailable) data output counts once: the paper's "average over all
unavailability scenarios" (for r = 1 each scenario reconstructs exactly one output).

- **recovery accuracy**: argmax F̂(X) = argmax F(X) (§4.1.5, 1);
- **overall accuracy**: argmax F̂(X) = the true label Y (§4.1.5, 2);
- **base accuracy**: argmax F(X) = Y over the whole test set (Table 3);
- **stratified recovery accuracy** on the outputs F itself classifies right / wrong (Fig. 6);
- **rank** in F(X) of the class predicted from a wrong reconstruction: fractions at rank 2, at
  rank 3 and within the top 3 (Fig. 7);
- **overall accuracy at an unavailability rate p**: (1 − p)·base + p·overall — a fraction p of
  the outputs is unavailable and each is replaced by its reconstruction (without a code it
  counts as wrong: (1 − p)·base).  This is the paper's §1 arithmetic: CIFAR-10, p = 0.1,
  0.9 × 0.9347 = 0.8412 without a code, + 0.1 × 0.6466 = 0.9059 with it (a test pins it).

The sum-parity code (:class:`~.baseline.SumParityCode`) is evaluated on the same groups and
scenarios with the same F.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .baseline import SumParityCode
from .code import LearnedCode
from .data import Dataset
from .erasures import scenarios


def accuracy_at_rate(base_accuracy: float, reconstructed_accuracy: float, rate: float) -> float:
    """Overall accuracy when a fraction ``rate`` of outputs is replaced by reconstructions."""
    return (1.0 - rate) * base_accuracy + rate * reconstructed_accuracy


def reconstruction_metrics(
    recon: np.ndarray, base_out: np.ndarray, labels: np.ndarray
) -> dict[str, Any]:
    """The metrics of reconstructions ``recon`` ``(R, m)`` of outputs ``base_out`` ``(R, m)``."""
    pred = recon.argmax(axis=1)
    base_pred = base_out.argmax(axis=1)
    hit = pred == base_pred
    right = base_pred == labels
    picked = base_out[np.arange(len(pred)), pred]
    rank = 1 + (base_out > picked[:, None]).sum(axis=1)
    wrong = ~hit

    def frac(a: np.ndarray) -> float | None:
        return float(a.mean()) if a.size else None

    return {
        "reconstructions": len(pred),
        "recovery_accuracy": frac(hit),
        "overall_accuracy": frac(pred == labels),
        "recovery_accuracy_base_correct": frac(hit[right]),
        "recovery_accuracy_base_incorrect": frac(hit[~right]),
        "base_correct_fraction": frac(right),
        "wrong_rank2": frac(rank[wrong] == 2),
        "wrong_rank3": frac(rank[wrong] == 3),
        "wrong_top3": frac(rank[wrong] <= 3),
    }


@torch.no_grad()
def reconstructions(
    code: LearnedCode, data: Dataset, *, groupings: int = 5, seed: int = 0, batch: int = 256
) -> dict[str, np.ndarray]:
    """Per reconstructed output: test index, learned and sum-parity reconstructions."""
    x = np.asarray(data.x_test)
    fx_all = code.apply_base(x)
    k, r = code.k, code.r
    baseline = SumParityCode(k=k, r=r)
    masks = scenarios(k, r)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xE7A1,)))
    idx_out, learned_out, sum_out = [], [], []
    for _ in range(groupings):
        perm = rng.permutation(len(x))
        groups = perm[: len(x) // k * k].reshape(-1, k)
        for s in range(0, len(groups), batch):
            g = groups[s : s + batch]
            xg = torch.tensor(x[g], device=code.device)  # (G, k, n, n)
            fx = torch.as_tensor(fx_all[g], device=code.device)
            fp = code.f(code.encoder(xg))
            every = torch.cat([fx, fp], dim=1)
            rec = (
                code.reconstruct(
                    every.unsqueeze(0), torch.as_tensor(masks, device=code.device).unsqueeze(1)
                )
                .cpu()
                .numpy()
            )  # (S, G, k, m)
            sp = code.apply_base(baseline.encode(x[g]).reshape(-1, *code.shape))
            every_sum = np.concatenate([fx_all[g], sp.reshape(len(g), r, -1)], axis=1)
            for si, mask in enumerate(masks):
                srec = baseline.reconstruct(every_sum, mask)
                for i in np.flatnonzero(~mask[:k]):
                    idx_out.append(g[:, i])
                    learned_out.append(rec[si, :, i])
                    sum_out.append(srec[:, i])
    return {
        "index": np.concatenate(idx_out),
        "learned": np.concatenate(learned_out).astype(np.float32),
        "sum": np.concatenate(sum_out).astype(np.float32),
        "base": fx_all,
    }


def evaluate(
    code: LearnedCode,
    data: Dataset,
    *,
    groupings: int = 5,
    seed: int = 0,
    rates: tuple[float, ...] = (0.1,),
) -> dict[str, Any]:
    """Every metric of the module docstring, for the learned code and the sum-parity code."""
    rec = reconstructions(code, data, groupings=groupings, seed=seed)
    y = np.asarray(data.y_test)
    fx = rec["base"]
    base_pred = fx.argmax(axis=1)
    base_acc = float(np.mean(base_pred == y))
    idx = rec["index"]
    learned = reconstruction_metrics(rec["learned"], fx[idx], y[idx])
    summed = reconstruction_metrics(rec["sum"], fx[idx], y[idx])
    per_class = []
    for c in range(data.classes):
        sel = y[idx] == c
        lp = rec["learned"][sel].argmax(axis=1)
        sp = rec["sum"][sel].argmax(axis=1)
        bp = fx[idx][sel].argmax(axis=1)
        per_class.append(
            {
                "class": c,
                "test_images": int(np.sum(y == c)),
                "base_accuracy": float(np.mean(base_pred[y == c] == c)) if np.any(y == c) else None,
                "reconstructions": int(sel.sum()),
                "recovery_accuracy": float(np.mean(lp == bp)) if sel.any() else None,
                "overall_accuracy": float(np.mean(lp == c)) if sel.any() else None,
                "sum_parity_recovery_accuracy": float(np.mean(sp == bp)) if sel.any() else None,
            }
        )
    at_rate = [
        {
            "rate": p,
            "no_code": accuracy_at_rate(base_acc, 0.0, p),
            "learned": accuracy_at_rate(base_acc, learned["overall_accuracy"] or 0.0, p),
            "sum_parity": accuracy_at_rate(base_acc, summed["overall_accuracy"] or 0.0, p),
        }
        for p in rates
    ]
    return {
        "dataset": data.name,
        "k": code.k,
        "r": code.r,
        "test_images": len(y),
        "groupings": groupings,
        "seed": seed,
        "base_accuracy": base_acc,
        "learned": learned,
        "sum_parity": summed,
        "ratios": {
            "recovery_over_base": learned["recovery_accuracy"] / base_acc,
            "overall_over_base": learned["overall_accuracy"] / base_acc,
            "recovery_over_sum_parity": _ratio(
                learned["recovery_accuracy"], summed["recovery_accuracy"]
            ),
        },
        "at_rate": at_rate,
        "per_class": per_class,
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b
