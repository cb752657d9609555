"""What every ``codedcomp`` command shares: consoles, one-line errors, JSON, progress, tables.

Imported by the command modules of :mod:`codedcomp.cli`; it imports none of them (no cycle).
A bad spec, parameter or shape prints one line naming the constraint and exits 2; too few
results to decode exits 3.  No traceback reaches the user for those.
"""

from __future__ import annotations

import json
import math
import os
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
    """Print one error line and exit with ``code``; ``message`` is plain text, printed as written
    (``codedcomp[learned]`` or ``shape [2, 3]`` are not read as markup)."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
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


def write_json(doc: dict[str, Any], path: str | Path | None) -> None:
    """Write ``doc`` as JSON (``-``: stdout).  Non-finite numbers become ``null`` (JSON has no
    infinity); a failed write is one line (exit 2), never a traceback."""
    if path is None:
        return
    text = json.dumps(_finite(doc), indent=2, default=_json_default, allow_nan=False)
    if str(path) == "-":
        sys.stdout.write(text + "\n")
        return
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")
    except OSError as e:
        raise ValueError(f"--json {path}: could not write ({e.strerror or e})") from None


def _finite(o: Any) -> Any:
    if isinstance(o, float | np.floating):
        return float(o) if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite(v) for v in o]
    if isinstance(o, np.ndarray):
        return _finite(o.tolist())
    return o


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


@contextmanager
def progress_bar(total: int, label: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr when it is a terminal; yields ``advance(n)``.  (On a pipe
    or file rich draws nothing anyway, but leaves a blank line: an error after it would not be
    the output's one line.)"""
    if not enabled or total <= 1 or not err.is_terminal:
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


PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")


def output_path(
    option: str, value: str | Path | None, *, plot: bool = False, directory: bool = False
) -> Path | None:
    """Check an output path **before any work**; the path that will really be written.

    One line (``ValueError``) for: an empty path, an existing directory where a file is asked
    (or a file where a directory is), a path under a file, a device or other non-regular file
    (``/dev/full``), a place this user cannot write, an unsupported plot format.  A plot
    without a suffix gets ``.png`` (and the message says so).  Nothing is created here.
    """
    if value is None:
        return None
    text = str(value)
    if not text.strip():
        raise ValueError(f"{option}: empty path")
    path = Path(text).expanduser()
    if directory:
        if path.exists() and not path.is_dir():
            raise ValueError(f"{option} {text}: exists and is not a directory")
    else:
        if path.is_dir():
            raise ValueError(f"{option} {text}: is a directory; give a file name inside it")
        if plot:
            if not path.suffix:
                path = path.with_suffix(".png")
            elif path.suffix.lower() not in PLOT_SUFFIXES:
                raise ValueError(
                    f"{option} {text}: unsupported plot format {path.suffix!r}; use one of "
                    f"{', '.join(PLOT_SUFFIXES)}"
                )
        if path.exists():
            if not path.is_file():
                raise ValueError(f"{option} {text}: not a regular file (a device or a socket)")
            if not os.access(path, os.W_OK):
                raise ValueError(f"{option} {text}: not writable by this user")
            return path
    # the nearest existing ancestor must be a directory this user can write into
    parent = path if directory else path.parent
    probe = parent
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ValueError(f"{option} {text}: {probe} is a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {text}: cannot create files under {probe} (permission)")
    return path
