"""``codedcomp simulate``: latency and work of one-shot schemes and policies (DESIGN.md CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    WORK_COLUMNS,
    JsonOpt,
    SeedOpt,
    console,
    err,
    output_path,
    progress_bar,
    stats_table,
    user_errors,
    with_work,
    write_json,
)


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""

    @app.command()
    def simulate(
        schemes: Annotated[
            list[str],
            typer.Argument(
                help="Scheme specs, e.g. uncoded rep:r=2 lt:r=1 sr:d=10 hedge:after=p95 speculate"
            ),
        ],
        m: Annotated[
            int, typer.Option("--m", help="Number of functions f_i in F(x) = Σ f_i(x).")
        ] = 1000,
        workers: Annotated[
            int | None, typer.Option("--workers", help="Workers P (default m).")
        ] = None,
        tau: Annotated[
            float, typer.Option("--tau", help="Time per unit of work (one f_i).")
        ] = 0.005,
        delay: Annotated[
            str, typer.Option("--delay", help="Initial-delay spec, e.g. exp:rate=0.2.")
        ] = "exp:rate=0.2",
        service: Annotated[
            str | None,
            typer.Option(
                "--service",
                help="Per-task service-time model (a delay spec): each task takes τ·cost + Y.",
            ),
        ] = None,
        trials: Annotated[int, typer.Option("--trials", help="Monte Carlo trials.")] = 100,
        seed: SeedOpt = None,
        json_path: JsonOpt = None,
        plot: Annotated[
            Path | None, typer.Option("--plot", help="Write a P(T > t) tail plot (PNG).")
        ] = None,
        plot_work: Annotated[
            Path | None,
            typer.Option("--plot-work", help="Write p99 latency against work per scheme (PNG)."),
        ] = None,
    ) -> None:
        """Latency distribution and work of schemes and policies under a delay model."""
        from ..codes.families import resolve as make_scheme
        from ..delays import delay as make_delay
        from ..sim import simulate as run_sim
        from ..sim.plot import tail_plot, work_plot

        with user_errors():
            json_out = None if json_path == "-" else output_path("--json", json_path)
            plot = output_path("--plot", plot, plot=True)
            plot_work = output_path("--plot-work", plot_work, plot=True)
            objs = [make_scheme(s) for s in schemes]
            make_delay(delay)
            if service is not None:
                make_delay(service)
            with progress_bar(trials * len(objs), "simulating", json_path != "-") as advance:
                res = run_sim(
                    objs,
                    m=m,
                    workers=workers,
                    tau=tau,
                    delay=delay,
                    trials=trials,
                    seed=seed,
                    progress=advance,
                    service=service,
                )
        doc = res.to_json()
        title = f"m={m}, τ={tau}, {delay}" + (f", service {service}" if service else "")
        if json_path != "-":
            console().print(
                stats_table(
                    f"simulate: {title}, {trials} trials",
                    [with_work(r) for r in doc["results"]],
                    WORK_COLUMNS,
                )
            )
        with user_errors():
            write_json(doc, json_out if json_path != "-" else "-")
            if plot is not None:
                out = tail_plot({r.scheme: r.latency for r in res.results}, plot, title=title)
                err.print(f"plot: {out}")
            if plot_work is not None:
                out = work_plot(doc["results"], plot_work, title=title)
                err.print(f"work plot: {out}")
