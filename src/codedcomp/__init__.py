"""codedcomp: coded computing that finishes when enough results are in.

Public API (DESIGN.md): :func:`scheme`, :func:`delay`, :func:`simulate`, :func:`run`.
Importing codedcomp is cheap and never imports Ray or PyTorch: the public names are loaded on
first use (PEP 562), so the command line can take over Ctrl-C before numpy is imported.  This
module imports nothing at all when it is loaded (not even ``typing``: 8 ms during which a Ctrl-C
would still print a traceback, measured by ``benchmarks/bench_sigint.py``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # for type checkers only (mypy reads any name TYPE_CHECKING as True)
    from typing import Any

    from .errors import IllConditionedWarning, NotDecodableError

__version__ = "0.1.0"

_LAZY = {
    "IllConditionedWarning": "codedcomp.errors",
    "NotDecodableError": "codedcomp.errors",
    "SCHEMES": "codedcomp.codes.sums",
    "Scheme": "codedcomp.codes.sums",
    "scheme": "codedcomp.codes.families",
    "DELAYS": "codedcomp.delays",
    "DelayModel": "codedcomp.delays",
    "delay": "codedcomp.delays",
    "simulate": "codedcomp.sim",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'codedcomp' has no attribute {name!r}")
    __import__(module)  # the built-in: importing importlib would cost time before main()
    import sys

    value = getattr(sys.modules[module], name)
    globals()[name] = value
    return value


def run(*args: Any, **kwargs: Any) -> Any:
    """Execute a coded computation for real; see :func:`codedcomp.runtime.run`."""
    from .runtime import run as _run

    return _run(*args, **kwargs)


__all__ = [
    "DELAYS",
    "SCHEMES",
    "DelayModel",
    "IllConditionedWarning",
    "NotDecodableError",
    "Scheme",
    "delay",
    "run",
    "scheme",
    "simulate",
]
