"""Learned codes (paper 003): accuracy reached within 15 minutes of CPU training, vs baselines.

``run(quick=False) -> list[dict]`` (the contract of ``benchmarks/run.py``).  Each code is trained
by :func:`codedcomp.experiments.learned_table4.fit_row` — the very rows of ``codedcomp reproduce
learned-table4`` (Base-MLP, r = 1, encoder and loss as the paper's Table 4 picked), one CPU
thread, at most 15 minutes of training time — and evaluated on the test set.  Checkpoints live in
the user cache directory (``learned-table4/``): a code already trained by the reproduction is
only evaluated here, with the training time its checkpoint recorded (delete that directory to
retrain from scratch).

The quantity is the **accuracy lost against the base model**, 1 − (recovery accuracy / F's own
test accuracy): lower is better, so the harness's "median ≤ target" reads "recovery accuracy ≥
(1 − target) × the base model's accuracy".  Samples: one per random grouping of the test set
into groups of k (seeds 0–4; 0–1 for Fashion-MNIST's 10,000 test images; the spread is the
evaluation's, not the training's — one training seed).  **Baseline**, measured in the same run
on the same groups and scenarios with the same F: the sum-parity code (parity = X_1 + … + X_k,
decoded by subtraction); ratio < 1 means the learned code loses less of F's accuracy than the
sum-parity code.

- ``learned: MNIST-5k k=2 MLPEncoder`` — target ≤ 0.05 (recovery ≥ 0.95 × F's accuracy).
- ``learned: Fashion-MNIST k=2 MLPEncoder`` — target ≤ 0.10 (recovery ≥ 0.90 × F's accuracy).
- ``learned: MNIST-5k k=5 ConvEncoder residual`` and ``learned: Fashion-MNIST k=5 ConvEncoder
  residual`` (the paper's picks, started from the sum-parity code: our deviation, see
  ``codedcomp.codes.learned.nets``), the same with MLPEncoder (our extension: a CPU affords it
  many more steps in 15 minutes), and the paper's ConvEncoder as published (``plain``, from
  noise) — INFO (measured and reported; the notes say what would close the gap).

``--quick``: digits (8×8), k = 2, 200 steps (seconds), INFO only.  Needs the ``learned`` extra;
Fashion-MNIST needs Debian's ``dataset-fashion-mnist`` (an ERROR row says so when it is absent).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

TARGETS = {("mnist", 2): 0.05, ("fashion", 2): 0.10}
GROUPINGS = 5  # samples per row; 2 for Fashion-MNIST's 10,000 test images (ConvEncoder cost)


def _say(msg: str) -> None:
    print(f"[bench_learned] {msg}", file=sys.stderr, flush=True)


def _row(row: Any, quick: bool) -> dict[str, Any]:
    from codedcomp.codes.learned.data import load_dataset
    from codedcomp.codes.learned.evaluation import evaluate
    from codedcomp.experiments.learned_table4 import ENCODER_NAMES, NAMES, fit_row

    name = f"learned: {'digits' if quick else NAMES[row.dataset]}"
    name += f"{'-5k' if row.dataset == 'mnist' and not quick else ''} k={row.k} "
    name += ENCODER_NAMES[row.encoder]
    if row.k == 5:
        name += " residual" if row.residual else " plain (paper, from noise)"
    _say(f"{name}: training (or resuming) …")
    res = fit_row(row, seed=0, quick=quick)
    data = load_dataset(res.config.dataset)
    ours, base_line, evs = [], [], []
    n_groupings = GROUPINGS if len(data.y_test) <= 2000 else 2
    for g in range(n_groupings):
        ev = evaluate(res.code, data, groupings=1, seed=g)
        evs.append(ev)
        b = ev["base_accuracy"]
        ours.append(1.0 - ev["learned"]["recovery_accuracy"] / b)
        base_line.append(1.0 - ev["sum_parity"]["recovery_accuracy"] / b)
    base_acc = evs[0]["base_accuracy"]
    rec = [e["learned"]["recovery_accuracy"] for e in evs]
    over = [e["learned"]["overall_accuracy"] for e in evs]
    sp = [e["sum_parity"]["recovery_accuracy"] for e in evs]
    target = None if quick else TARGETS.get((row.dataset, row.k))
    mean = sum(rec) / len(rec)
    table = "\n".join(
        [
            "| quantity | value |",
            "|---|---|",
            f"| training | {res.step} steps, {res.elapsed_s:.0f} s (cap 900 s) |",
            f"| F's test accuracy (paper Table 3, Base-MLP) | {base_acc:.4f} |",
            f"| recovery accuracy, mean over groupings (paper Table 4) | {mean:.4f} "
            f"({row.paper_recovery:.4f}) |",
            f"| overall accuracy, mean (paper Table 5) | {sum(over) / len(over):.4f} "
            f"({row.paper_overall:.4f}) |",
            f"| sum-parity recovery accuracy, mean | {sum(sp) / len(sp):.4f} |",
            f"| recovery / F's accuracy | {mean / base_acc:.4f} |",
            f"| recovery, learned / sum-parity | {mean / (sum(sp) / len(sp)):.3f} |",
        ]
    )
    notes = (
        f"{res.config.dataset}, k = {row.k}, r = 1, {ENCODER_NAMES[row.encoder]}"
        f"{' (residual: starts as the sum-parity code)' if row.residual else ''}, loss "
        f"{row.loss}; samples = 1 − recovery/F-accuracy per grouping ({n_groupings} groupings of "
        f"the {len(data.y_test):,} test images); baseline = the sum-parity code, same groups."
    )
    if row.k == 5 and not quick:
        notes += (
            " k = 5: the ConvEncoder (100 channels at 28×28) gets far fewer steps than k = 2 in "
            "15 CPU minutes; from noise as published it stays near chance, started from the "
            "sum-parity code (residual, our deviation) it improves on it; what would close the "
            "remaining gap: more training steps (GPU, `--device cuda`, or a longer budget) and, "
            "for MNIST, the full 60,000 images."
        )
    return {
        "name": name,
        "target": f"≤ {target:.2f} (recovery ≥ {1 - target:.2f} × F's accuracy), ≤ 15 min training"
        if target is not None
        else "INFO (no target)",
        "target_s": target,
        "samples": ours,
        "baseline_name": "sum-parity code (same F, groups, scenarios)",
        "baseline_samples": base_line,
        "unit": "1−rec/F",
        "notes": notes,
        "table": table,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    try:
        from codedcomp.codes.learned.requires import torch_module

        torch_module()
        from codedcomp.experiments.learned_table4 import EXTRA_ROWS, ROWS
    except Exception as e:  # reported as an ERROR row
        return [{"name": "learned: all", "error": str(e)}]
    rows = [r for r in ROWS if r.k == 2][:1] if quick else [*ROWS, *EXTRA_ROWS]
    out = []
    for row in rows:
        try:
            out.append(_row(row, quick))
        except Exception as e:  # one row's failure keeps the others
            out.append({"name": f"learned: {row.key}", "error": f"{e}\n{traceback.format_exc()}"})
    return out


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
