"""What a decoder accepts as a task's value, checked as results arrive — never a silent cast.

A scheme family's decoder declares the kind of value it works in (``Decoder.accepts``):

* ``"real"`` — sums (papers 000/001): a real number or array; booleans, integers and floats are
  converted to float64 (exact for the integers float64 holds), complex values are refused
  (a complex partial sum would lose its imaginary part), as are ``None`` and non-numeric objects;
* ``"complex"`` — codes over the complex field (roots-of-unity matmul): complex numbers as
  complex128 and real ones as float64 — not widened (a worker at a real point of a complex code
  returns a real product: widening it would double the bytes the decoder reads);
* ``"any"`` — the decoder takes the value as it comes (e.g. torch tensors of learned codes).

:class:`ValueCheck` applies that rule to every result of one job and also requires all of them to
have the same shape as the first, so one rule holds for every scheme, and a bad value is
reported with the worker and task that produced it, in one line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

KINDS = ("real", "complex", "any")


def coerce(value: Any, kind: str) -> Any:
    """``value`` as the decoder of ``kind`` takes it; ``TypeError`` (one line) if it cannot."""
    if kind == "any":
        return value
    if value is None:
        raise TypeError("returned None, not a number or array")
    arr = np.asarray(value)
    code = arr.dtype.kind
    if kind == "real":
        if code in "biuf":
            return arr.astype(np.float64, copy=False)
        if code == "c":
            raise TypeError(
                f"returned a complex value ({arr.dtype}); this decoder works in real float64 "
                "and would drop the imaginary part"
            )
    elif kind == "complex":
        if code in "biuf":
            return arr.astype(np.float64, copy=False)
        if code == "c":
            return arr.astype(np.complex128, copy=False)
    else:
        raise ValueError(f"unknown value kind {kind!r}; valid: {', '.join(KINDS)}")
    raise TypeError(f"returned {type(value).__name__} (dtype {arr.dtype}), not a number or array")


class ValueCheck:
    """Per job: every value of the decoder's kind, all of one shape (module docstring)."""

    def __init__(self, kind: str, owner: str = "") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown value kind {kind!r}; valid: {', '.join(KINDS)}")
        self.kind = kind
        self.owner = owner
        self.shape: tuple[int, ...] | None = None
        self._first = ""

    def __call__(self, value: Any, worker: int, task: int) -> Any:
        where = f"{self.owner + ': ' if self.owner else ''}worker {worker}, task {task}"
        try:
            out = coerce(value, self.kind)
        except TypeError as e:
            raise ValueError(f"{where} {e}") from None
        shape = getattr(out, "shape", None)
        if shape is not None and self.kind != "any":
            if self.shape is None:
                self.shape, self._first = tuple(shape), f"worker {worker}, task {task}"
            elif tuple(shape) != self.shape:
                raise ValueError(
                    f"{where} returned shape {tuple(shape)}, but {self._first} returned "
                    f"{self.shape}: every task's value must have the same shape"
                )
        return out
