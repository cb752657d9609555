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
