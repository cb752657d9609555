"""The ``codedcomp`` command line (DESIGN.md "CLI"): simulate, run, reproduce, ...

Every command takes ``--seed`` and, where it reports results, ``--json PATH`` (``-`` = stdout).
A bad spec, parameter or shape prints one line naming the constraint and exits 2; too few
results to decode exits 3.  No traceback reaches the user for those.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import NotDecodableError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Coded computing: finish when enough results are in, not when the slowest worker does.",
    pretty_exceptions_enable=False,
)


def console(stderr: bool = False) -> Console:
    """A rich console; wide enough for the result tables when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else 150)


err = console(stderr=True)

SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed of every random choice.")]
JsonOpt = Annotated[
    str | None, typer.Option("--json", help="Write JSON results here ('-' = stdout).")
]


@app.callback()
def _root() -> None:
    """Coded computing: finish when enough results are in, not when the slowest worker does."""


def fail(message: str, code: int = 2) -> None:
    """Print one error line and exit with ``code``."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's user-facing errors into one line and an exit code."""
    try:
        yield
    except NotDecodableError as e:
        fail(str(e), 3)
    except ValueError as e:
        fail(str(e), 2)


def write_json(doc: dict[str, Any], path: str | None) -> None:
    if path is None:
        return
    text = json.dumps(doc, indent=2, default=_json_default)
    if path == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


@contextmanager
def progress_bar(total: int, label: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; yields ``advance(n)``."""
    if not enabled or total <= 1:
        yield lambda n: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as prog:
        task = prog.add_task(label, total=total)
        yield lambda n: prog.advance(task, n)


def fmt(v: float | None, digits: int = 4) -> str:
    return "—" if v is None else f"{v:.{digits}g}"


def stats_table(title: str, rows: list[dict[str, Any]], extra: list[tuple[str, str]] = ()) -> Table:  # type: ignore[assignment]
    table = Table(title=title)
    for col in ("scheme", "mean", "p50", "p90", "p99", "max", "failures", "received"):
        table.add_column(col, justify="left" if col == "scheme" else "right")
    for _key, col in extra:
        table.add_column(col, justify="right")
    for r in rows:
        lat = r["latency"]
        cells = [
            r["scheme"],
            *(fmt(lat[k]) for k in ("mean", "p50", "p90", "p99", "max")),
            str(r["failures"]),
            fmt(r["received"]["mean"]),
        ]
        cells += [
            fmt(r.get(key)) if not isinstance(r.get(key), str) else r[key] for key, _ in extra
        ]
        table.add_row(*cells)
    return table


@app.command()
def simulate(
    schemes: Annotated[
        list[str], typer.Argument(help="Scheme specs, e.g. uncoded rep:r=2 lt:r=1 sr:d=10")
    ],
    m: Annotated[
        int, typer.Option("--m", help="Number of functions f_i in F(x) = Σ f_i(x).")
    ] = 1000,
    workers: Annotated[int | None, typer.Option("--workers", help="Workers P (default m).")] = None,
    tau: Annotated[float, typer.Option("--tau", help="Time per unit of work (one f_i).")] = 0.005,
    delay: Annotated[
        str, typer.Option("--delay", help="Initial-delay spec, e.g. exp:rate=0.2.")
    ] = "exp:rate=0.2",
    trials: Annotated[int, typer.Option("--trials", help="Monte Carlo trials.")] = 100,
    seed: SeedOpt = None,
    json_path: JsonOpt = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a P(T > t) tail plot (PNG).")
    ] = None,
) -> None:
    """Latency distribution of one-shot schemes under a delay model (Monte Carlo)."""
    from .codes.sums import scheme as make_scheme
    from .delays import delay as make_delay
    from .sim import simulate as run_sim
    from .sim.plot import tail_plot

    with user_errors():
        objs = [make_scheme(s) for s in schemes]
        make_delay(delay)
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
            )
    doc = res.to_json()
    if json_path != "-":
        console().print(
            stats_table(f"simulate: m={m}, τ={tau}, delay={delay}, {trials} trials", doc["results"])
        )
    write_json(doc, json_path)
    if plot is not None:
        out = tail_plot(
            {r.scheme: r.latency for r in res.results}, plot, title=f"m={m}, τ={tau}, {delay}"
        )
        err.print(f"plot: {out}")


def _register_optional() -> None:
    from .experiments.cli import register as register_reproduce
    from .runtime.cli import register as register_run

    register_reproduce(app)
    register_run(app)


_register_optional()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
