"""What every ``codedcomp`` command shares: consoles, one-line errors, JSON, progress, tables.

Imported by the command modules of :mod:`codedcomp.cli`; it imports none of them (no cycle).
A bad spec, parameter or shape prints one line naming the constraint and exits 2; too few
results to decode exits 3.  No traceback reaches the user for those.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import NotDecodableError


def console(stderr: bool = False) -> Console:
    """A rich console; wide enough for the result tables when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else 150)


err = console(stderr=True)

SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed of every random choice.")]
JsonOpt = Annotated[
    str | None, typer.Option("--json", help="Write JSON results here ('-' = stdout).")
]


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


WORK_COLUMNS: list[tuple[str, str]] = [
    ("work_units", "work ×m"),
    ("work_launched", "launched"),
    ("work_cancelled", "cancelled"),
    ("work_copies", "copies"),
]


def with_work(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its ``work`` object flattened for :data:`WORK_COLUMNS` (units as ×m)."""
    out = dict(row)
    work = row.get("work") or {}
    extra = work.get("extra")
    out["work_units"] = None if extra is None else 1.0 + extra
    for key in ("launched", "cancelled", "copies"):
        out[f"work_{key}"] = work.get(key)
    return out


def stats_table(
    title: str, rows: list[dict[str, Any]], extra: Sequence[tuple[str, str]] = ()
) -> Table:
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
