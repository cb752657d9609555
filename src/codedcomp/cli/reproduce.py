"""``codedcomp reproduce``: regenerate a paper figure as CSV + PNG + ``summary.md`` (DESIGN.md CLI).

Papers 000 (Fig. 2a–c) and 001 (Fig. 2a/b, §V); the experiments are listed by ``--list`` and
documented in :mod:`codedcomp.experiments`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import err, fail, output_path, progress_bar, user_errors, write_json


def register(app: typer.Typer) -> None:
    """Add the ``reproduce`` command to ``app``."""

    @app.command()
    def reproduce(
        name: Annotated[
            str | None,
            typer.Argument(
                help="Experiment to run (see --list), e.g. sr-fig2a.", show_default=False
            ),
        ] = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="Directory for the CSV, PNG and summary.md.")
        ] = None,
        quick: Annotated[
            bool,
            typer.Option(
                "--quick", help="Reduced size (smaller m, fewer trials): seconds, for smoke tests."
            ),
        ] = False,
        seed: Annotated[
            int,
            typer.Option(
                "--seed",
                help="Seed of every random choice (fixed default: outputs regenerate identically).",
            ),
        ] = 0,
        list_: Annotated[
            bool, typer.Option("--list", help="List the experiments and exit.")
        ] = False,
        index: Annotated[
            Path | None,
            typer.Option(
                "--index",
                help="Write DIR/README.md indexing the reproductions in DIR/*/ and exit.",
            ),
        ] = None,
        json_path: Annotated[
            str | None,
            typer.Option("--json", help="Also write the summary as JSON here ('-' = stdout)."),
        ] = None,
    ) -> None:
        """Regenerate a paper figure: per-trial CSV, PNG and a summary.md of paper vs ours."""
        from rich.console import Console
        from rich.markup import escape

        from ..experiments import EXPERIMENTS, get, names, run_experiment

        if index is not None:
            from ..experiments.report import write_index

            with user_errors():
                typer.echo(f"index: {write_index(index)}")
            return
        if list_:
            width = max(len(n) for n in names())
            for n in names():
                e = EXPERIMENTS[n]
                typer.echo(f"{n:<{width}}  paper {e.paper.split(' ')[0]} {e.figure}: {e.title}")
            return
        valid = ", ".join(names())
        if name is None:
            fail(f"reproduce: give an experiment NAME or --list; valid: {valid}")
            return
        with user_errors():
            get(name)
        with user_errors():
            out = output_path("--out", out, directory=True)
            json_out = None if json_path in (None, "-") else output_path("--json", json_path)
        if out is None:
            fail(f"reproduce: --out DIR is required (where {name}'s files go)")
            return
        with user_errors():
            summary = run_experiment(
                name,
                out,
                quick=quick,
                seed=seed,
                progress=lambda total, label: progress_bar(total, label),
            )
        doc = summary.to_json()
        if json_path != "-":
            con = Console()
            con.print(
                f"[bold]{name}[/] (paper {summary.paper.split(' ')[0]} {summary.figure}) "
                f"in {summary.elapsed:.1f} s → {out}/",
                highlight=False,
            )
            for c in summary.claims:
                mark = "[green]reproduced[/]" if c.holds else "[bold red]NOT reproduced[/]"
                con.print(f"  {mark}: {escape(c.text)}", highlight=False, soft_wrap=True)
            err.print(f"files: {', '.join(summary.files)}", highlight=False)
        with user_errors():
            write_json(doc, "-" if json_path == "-" else json_out)
