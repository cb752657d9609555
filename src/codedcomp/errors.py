"""Errors and the one parameter-checking helper every constructor uses.

Every invalid parameter fails before any work starts with one line of the same shape,
``Owner: name=value must be <constraint>`` (scikit-learn style, see STYLE.md).
"""

from __future__ import annotations

from typing import Any


class NotDecodableError(RuntimeError):
    """The results in hand do not determine the answer; the message says what is missing."""


class IllConditionedWarning(UserWarning):
    """A decode used an ill-conditioned system: noise in the values may be amplified.

    Every family's decoder (sums: SR; matmul: polynomial, MatDot, ...) warns with this class
    and puts the condition number in the message.
    """


def check(owner: str, name: str, value: Any, ok: bool, constraint: str) -> None:
    """Raise ``ValueError("owner: name=value must be constraint")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"{owner}: {name}={value!r} must be {constraint}")


#: Sizes the library accepts at all (beyond them numbers overflow or nothing finishes);
#: memory is checked apart, against what the machine has (:func:`check_memory`).
MAX_M = 10**7
MAX_TRIALS = 10**6
MAX_TIME = 1e6  # seconds (τ, timeouts): larger values overflow clocks and sums
MAX_SEED = 2**128


def check_seed(owner: str, seed: Any) -> None:
    """``seed``: ``None`` or an integer in [0, 2**128) (numpy's SeedSequence entropy)."""
    check_number(owner, "seed", seed, low=0, high=MAX_SEED - 1, integer=True, optional=True)


def check_sizes(owner: str, *, m: Any, workers: Any, tau: Any, trials: Any) -> None:
    """The common sizes of ``simulate`` and ``run``, one line each, before any work."""
    import numpy as np

    check_number(owner, "m", m, low=1, high=MAX_M, integer=True)
    ok = isinstance(workers, (int, np.integer)) and not isinstance(workers, bool)
    check(owner, "workers", workers, ok and 1 <= workers <= m, f"an integer in [1, m={m}]")
    check_number(owner, "tau", tau, low=0, high=MAX_TIME)
    check_number(owner, "trials", trials, low=1, high=MAX_TRIALS, integer=True)


def _fmt_num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def check_number(
    owner: str,
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
    optional: bool = False,
) -> None:
    """One line unless ``value`` is a finite number (an integer if ``integer``) in range.

    Booleans, strings, NaN and infinities are refused whatever the range (``trials=True`` is not
    1, ``tau="0.1"`` is not a number); ``optional`` also accepts ``None``.
    """
    import math

    import numpy as np

    if optional and value is None:
        return
    kinds: tuple[type, ...] = (
        (int, np.integer) if integer else (int, float, np.integer, np.floating)
    )
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {_fmt_num(low)}")
    if high is not None:
        parts.append(f"<= {_fmt_num(high)}")
    what = ("an integer" if integer else "a finite number") + (
        " " + " and ".join(parts) if parts else ""
    )
    if optional:
        what = "None or " + what
    ok = isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))
    if ok:
        v = float(value)
        ok = math.isfinite(v)
        if ok and low is not None:
            ok = v > low if low_open else v >= low
        if ok and high is not None:
            ok = v <= high
    check(owner, name, value, ok, what)


def available_memory() -> int:
    """Bytes of memory this machine can still give (psutil; 8 GiB if unknown)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # pragma: no cover - psutil is a dependency
        return 8 * 2**30


def check_memory(owner: str, what: str, nbytes: float, instead: str = "") -> None:
    """One line, before any work, if ``what`` would need more than 80 % of the free memory."""
    free = available_memory()
    if nbytes > 0.8 * free:
        hint = f"; {instead}" if instead else ""
        raise ValueError(
            f"{owner}: {what} needs about {nbytes / 2**30:.3g} GiB, more than this machine can "
            f"give ({free / 2**30:.3g} GiB free){hint}"
        )
