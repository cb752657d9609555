"""The ``codedcomp`` command line (DESIGN.md "CLI"): simulate, run, reproduce, learned, ...

One module per command (:mod:`.simulate`, :mod:`.run`, :mod:`.reproduce`, :mod:`.learned`),
each with a ``register(app)``; what they share is in :mod:`.common`, which imports none of them,
and no library module imports the CLI (no import cycle).  Every command takes ``--seed`` and,
where it reports results, ``--json PATH`` (``-`` = stdout).  A bad spec, parameter or shape prints
one line naming the constraint and exits 2; too few results to decode exits 3.
"""

from __future__ import annotations

import warnings
from typing import Any

import typer
from typer.core import TyperGroup

from . import learned, reproduce, run, simulate
from .common import JsonOpt, SeedOpt, console, err, fail, progress_bar, user_errors, write_json


class _Interrupted(BaseException):
    """Ctrl-C inside a command, carried past typer (which would turn it into a silent 130)."""


class _Group(TyperGroup):
    """The root group: a ``KeyboardInterrupt`` while parsing or running a command leaves typer
    as :class:`_Interrupted`, so :func:`main` prints its one line.  (typer catches
    ``KeyboardInterrupt`` itself and, with ``standalone_mode=False``, *returns* 130 without a
    word: a Ctrl-C during a command's own imports or set-up exited silently, measured by
    ``benchmarks/bench_sigint.py``.)"""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            raise _Interrupted from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted from None


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    help="Coded computing: finish when enough results are in, not when the slowest worker does.",
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Coded computing: finish when enough results are in, not when the slowest worker does."""


simulate.register(app)
run.register(app)
reproduce.register(app)
learned.register(app)


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A warning as one line on stderr (``warning: Category: message``), not Python's two lines
    with the source file and line of the library."""
    from rich.markup import escape

    text = " ".join(str(message).split())
    err.print(
        f"[yellow]warning:[/] {category.__name__}: {escape(text)}", highlight=False, soft_wrap=True
    )


def main() -> None:
    """Run the CLI: one line and exit 130 on Ctrl-C, whatever command it interrupts."""
    # typer may vendor click: find its exception base through a public subclass
    usage: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
    )
    warnings.showwarning = _one_line_warning
    try:
        code = app(standalone_mode=False)
    except (KeyboardInterrupt, _Interrupted, typer.Abort):
        err.print("interrupted", highlight=False)
        raise SystemExit(130) from None
    except usage as e:  # bad option or argument: click's message on one line, exit 2
        if type(e).__name__ == "NoArgsIsHelpError":
            e.show()  # type: ignore[attr-defined]
        else:
            message = " ".join(e.format_message().split())  # type: ignore[attr-defined]
            err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        raise SystemExit(getattr(e, "exit_code", 2)) from None
    except typer.Exit as e:
        raise SystemExit(e.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)


__all__ = [
    "JsonOpt",
    "SeedOpt",
    "app",
    "console",
    "err",
    "fail",
    "main",
    "progress_bar",
    "user_errors",
    "write_json",
]
