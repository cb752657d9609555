"""codedcomp: coded computing that finishes when enough results are in.

Public API (DESIGN.md): :func:`scheme`, :func:`delay`, :func:`simulate`, :func:`run`.
Importing codedcomp never imports Ray or PyTorch.
"""

from __future__ import annotations

from typing import Any

from . import policies as _policies  # noqa: F401 (registers hedge, speculate)
from .codes.sums import SCHEMES, Scheme, scheme
from .delays import DELAYS, DelayModel, delay
from .errors import IllConditionedWarning, NotDecodableError
from .sim import simulate

__version__ = "0.1.0"


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
