"""``codedcomp learned train|eval``: train a learned code, evaluate a checkpoint (paper 003).

``codedcomp learned train --dataset mnist|fashion|digits --k K --r R --encoder mlp|conv
--loss mse|kl|xent --steps N --seed S --out CKPT [--device auto|cpu|cuda] [--threads T]
[--max-seconds S] [--base mlp|cnn] [--residual]`` trains E and D through the cached, frozen base
model with a progress bar (``--residual``: start from the sum-parity code, our deviation); the
checkpoint is written every ``--checkpoint-every`` steps and at the end, and running the same
command again resumes from it (up to ``--steps`` in total).

``codedcomp learned eval CKPT [--json PATH] [--groupings G] [--rate P] [--seed S]`` prints
the base model's test accuracy beside the paper's Table 3, the recovery and overall accuracy of
the learned code and of the sum-parity baseline, the Fig. 6 strata, the Fig. 7 ranks, the
accuracy at an unavailability rate and a per-class table.

This module imports neither PyTorch nor the training code until a command runs; without PyTorch
both commands print one line saying how to install it and exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import user_errors

learned_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Learned codes (paper 003): train an encoder/decoder around a frozen base model, "
    "evaluate it. Needs PyTorch: pip install 'codedcomp\\[learned]'.",
)


def register(app: typer.Typer) -> None:
    """Add the ``learned`` sub-app (``train``, ``eval``) to ``app``."""
    app.add_typer(learned_app, name="learned")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.4f}"


@learned_app.command("train")
def train_command(
    out: Annotated[Path, typer.Option("--out", help="Checkpoint file (resumed if it exists).")],
    dataset: Annotated[
        str, typer.Option("--dataset", help="mnist (5k subset), fashion, or digits.")
    ] = "mnist",
    k: Annotated[int, typer.Option("--k", help="Queries per group.")] = 2,
    r: Annotated[int, typer.Option("--r", help="Parity queries per group.")] = 1,
    encoder: Annotated[str, typer.Option("--encoder", help="mlp or conv (dilated).")] = "mlp",
    loss: Annotated[
        str, typer.Option("--loss", help="mse (MSE-Base), kl (KL-Base), xent (XENT-Label).")
    ] = "mse",
    steps: Annotated[int, typer.Option("--steps", help="Total training steps.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random choice.")] = 0,
    base: Annotated[str, typer.Option("--base", help="Base model F: mlp or cnn.")] = "mlp",
    batch: Annotated[
        int, typer.Option("--batch", help="Groups per minibatch (0: 64 for k<=2, else 32).")
    ] = 0,
    device: Annotated[
        str, typer.Option("--device", help="auto (CUDA when present), cpu or cuda.")
    ] = "auto",
    threads: Annotated[int, typer.Option("--threads", help="PyTorch CPU threads.")] = 1,
    max_seconds: Annotated[
        float | None,
        typer.Option("--max-seconds", help="Stop (resumably) after this much training time."),
    ] = None,
    checkpoint_every: Annotated[
        int, typer.Option("--checkpoint-every", help="Steps between checkpoints.")
    ] = 500,
    residual: Annotated[
        bool,
        typer.Option(
            "--residual/--plain",
            help="Start from the sum-parity code (skip connections; ours, r = 1) or from "
            "noise as the paper does.",
        ),
    ] = False,
) -> None:
    """Train a learned code through the frozen base model; resumable checkpoint at --out."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..codes.learned.requires import torch_module
    from .common import err

    with user_errors():
        torch_module()
        from ..codes.learned.data import load_dataset
        from ..codes.learned.training import TrainConfig, train

        config = TrainConfig(
            dataset=dataset,
            k=k,
            r=r,
            encoder=encoder,
            loss=loss,
            steps=steps,
            seed=seed,
            base=base,
            batch=batch,
            residual=residual,
        )
        data = load_dataset(dataset)
        err.print(f"data: {data.describe()}", highlight=False)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as prog:
            task = prog.add_task("training", total=steps)

            def progress(step: int, value: float) -> None:
                prog.update(task, completed=step, description=f"training (loss {value:.4g})")

            res = train(
                config,
                out=out,
                device=device,
                threads=threads,
                data=data,
                checkpoint_every=checkpoint_every,
                max_seconds=max_seconds,
                progress=progress,
            )
    b = res.base
    paper = b.paper
    ref = f" (paper Table 3, {paper[1]}: {paper[0]:.4f})" if paper else ""
    src = "cached" if b.cached else f"trained in {b.train_seconds:.1f} s"
    err.print(
        f"base model {b.arch} on {b.dataset}: test accuracy {b.test_accuracy:.4f}{ref}, {src}",
        highlight=False,
    )
    state = "done" if res.step >= steps else "stopped early (resume with the same command)"
    resumed = f", resumed from step {res.resumed_from}" if res.resumed_from else ""
    typer.echo(
        f"trained {res.step}/{steps} steps{resumed}, {res.elapsed_s:.1f} s of training, "
        f"loss {res.final_loss if res.final_loss is None else f'{res.final_loss:.4g}'}: "
        f"{state} → {out}"
    )


@learned_app.command("eval")
def eval_command(
    checkpoint: Annotated[Path, typer.Argument(help="A checkpoint written by 'learned train'.")],
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write JSON results here ('-' = stdout).")
    ] = None,
    groupings: Annotated[
        int, typer.Option("--groupings", help="Random groupings of the test set into groups of k.")
    ] = 5,
    rate: Annotated[
        float, typer.Option("--rate", help="Unavailability rate for the overall accuracy.")
    ] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the groupings.")] = 0,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "cpu",
    threads: Annotated[int, typer.Option("--threads", help="PyTorch CPU threads.")] = 1,
) -> None:
    """Recovery and overall accuracy of a checkpoint vs its base model and the sum-parity code."""
    from ..codes.learned.requires import torch_module
    from ..errors import check
    from .common import console, write_json

    with user_errors():
        torch_module()
        check("learned eval", "rate", rate, 0 <= rate <= 1, "in [0, 1]")
        check("learned eval", "groupings", groupings, groupings >= 1, ">= 1")
        from ..codes.learned.base import PAPER_TABLE3, torch_threads
        from ..codes.learned.data import load_dataset
        from ..codes.learned.evaluation import evaluate
        from ..codes.learned.training import load_code

        with torch_threads(threads):
            code, meta = load_code(checkpoint, device=device)
            data = load_dataset(meta["config"]["dataset"])
            doc = evaluate(code, data, groupings=groupings, seed=seed, rates=(rate,))
    cfg = meta["config"]
    paper = PAPER_TABLE3.get((cfg["dataset"], cfg["base"]))
    doc = {
        "checkpoint": str(checkpoint),
        "config": cfg,
        "steps_trained": meta["step"],
        "training_seconds": meta["elapsed_s"],
        "base_model": meta["base"]
        | {"paper_table3": None if paper is None else {"accuracy": paper[0], "model": paper[1]}},
        **doc,
    }
    if json_path != "-":
        _print_eval(doc, console(stderr=json_path == "-"))
    write_json(doc, json_path)


def _print_eval(doc: dict[str, Any], con: Any) -> None:
    from rich.table import Table

    cfg = doc["config"]
    t3 = doc["base_model"]["paper_table3"]
    ref = f" (paper Table 3, {t3['model']}: {t3['accuracy']:.4f})" if t3 else ""
    con.print(
        f"[bold]{cfg['dataset']}[/], k={cfg['k']}, r={cfg['r']}, encoder={cfg['encoder']}, "
        f"loss={cfg['loss']}, {doc['steps_trained']} steps ({doc['training_seconds']:.0f} s); "
        f"{doc['test_images']} test images × {doc['groupings']} groupings",
        highlight=False,
    )
    con.print(f"base model accuracy: {doc['base_accuracy']:.4f}{ref}", highlight=False)
    table = Table(title="reconstructions of unavailable outputs")
    for col in ("metric", "learned", "sum-parity"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    rows = [
        ("recovery accuracy", "recovery_accuracy"),
        ("overall accuracy", "overall_accuracy"),
        ("recovery | F right (Fig. 6)", "recovery_accuracy_base_correct"),
        ("recovery | F wrong (Fig. 6)", "recovery_accuracy_base_incorrect"),
        ("wrong: rank 2 in F (Fig. 7)", "wrong_rank2"),
        ("wrong: rank 3 in F (Fig. 7)", "wrong_rank3"),
    ]
    for label, key in rows:
        table.add_row(label, _pct(doc["learned"][key]), _pct(doc["sum_parity"][key]))
    for a in doc["at_rate"]:
        table.add_row(
            f"overall at {100 * a['rate']:g} % unavailable (no code {a['no_code']:.4f})",
            _pct(a["learned"]),
            _pct(a["sum_parity"]),
        )
    con.print(table)
    ratios = doc["ratios"]
    con.print(
        f"recovery / base accuracy {ratios['recovery_over_base']:.3f}; overall / base "
        f"{ratios['overall_over_base']:.3f}; recovery learned / sum-parity "
        f"{_pct(ratios['recovery_over_sum_parity'])}",
        highlight=False,
    )
    pc = Table(title="per class (true label)")
    for col in ("class", "test images", "base acc", "recovery", "overall", "sum-parity recovery"):
        pc.add_column(col, justify="right")
    for c in doc["per_class"]:
        pc.add_row(
            str(c["class"]),
            str(c["test_images"]),
            _pct(c["base_accuracy"]),
            _pct(c["recovery_accuracy"]),
            _pct(c["overall_accuracy"]),
            _pct(c["sum_parity_recovery_accuracy"]),
        )
    con.print(pc)
