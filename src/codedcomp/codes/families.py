"""Scheme specs by family: which codes apply to which kind of computation (DESIGN.md "core").

A workload declares its family (:attr:`codedcomp.workloads.base.Workload.family`): ``"sums"``
for F(x) = Σ f_i(x) (papers 000/001), ``"matmul"`` for ``C = A @ B`` (paper 004).  The same
spec word can mean different things in two families — ``uncoded`` is a split of the functions
for sums and a block split of ``A @ B`` for matmul — so :func:`resolve` reads a spec **in the
family of the job**.  With no family (``codedcomp simulate``, which has no workload), a spec is
read as a sums scheme when the sums family knows its name and as a matmul code otherwise:
``simulate uncoded matdot:m=4`` compares both on one time scale (m units = one whole job).

Other families (learned codes' coded inference) add themselves with :func:`register_family`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RESOLVERS: dict[str, Callable[[str], Any]] = {}


def _sums(spec: str) -> Any:
    from .sums import SCHEMES, scheme

    name = spec.partition(":")[0]
    if name not in SCHEMES.names():
        from .matmul import MATMUL_SCHEMES

        if name in MATMUL_SCHEMES.names():
            raise ValueError(
                f"scheme {name!r} is a matrix-multiplication code: it runs on the matmul "
                f"workload (codedcomp run matmul --scheme {spec}); sums schemes: "
                f"{', '.join(SCHEMES.names())}"
            )
    return scheme(spec)


def _matmul(spec: str) -> Any:
    from .matmul.family import matmul_family_scheme

    return matmul_family_scheme(spec)


def _inference(spec: str) -> Any:
    from .learned.family import inference_family_scheme

    return inference_family_scheme(spec)


def register_family(name: str, resolver: Callable[[str], Any]) -> None:
    """Make ``resolver(spec) -> scheme`` the reader of specs for workloads of family ``name``."""
    _RESOLVERS[name] = resolver


register_family("sums", _sums)
register_family("matmul", _matmul)
register_family("inference", _inference)


def families() -> list[str]:
    """The known families."""
    return sorted(_RESOLVERS)


#: ``codedcomp run`` with no ``--scheme``: the family's uncoded baseline and one code
DEFAULT_SCHEMES: dict[str, tuple[str, ...]] = {
    "sums": ("uncoded", "lt:r=1"),
    "matmul": ("uncoded", "matdot:m=2"),
    "inference": ("uncoded", "sum-parity"),
}
#: ``codedcomp.run(...)`` with no ``scheme=``: one code of the workload's family
DEFAULT_SCHEME: dict[str, str] = {
    "sums": "lt:r=1",
    "matmul": "matdot:m=2",
    "inference": "sum-parity",
}


def resolve(spec: Any, family: str | None = None) -> Any:
    """The scheme that ``spec`` names in ``family`` (module docstring).

    ``family=None``: sums first, then matmul (for the simulator, which has no workload).  An
    unknown name fails with one line listing the valid names of the family (or of both).  A
    scheme object passes unchanged if it belongs to ``family`` (its ``family`` attribute; sums
    schemes say ``"sums"``); one of another family, or an object that is no scheme, is refused
    in one line before any work starts.
    """
    if not isinstance(spec, str):
        if not callable(getattr(spec, "policy", None)):
            raise ValueError(
                f"scheme {spec!r} must be a spec string or a scheme object "
                f"(got {type(spec).__name__})"
            )
        own = getattr(spec, "family", "sums")
        if family is not None and own != family:
            label = getattr(spec, "label", None) or type(spec).__name__
            raise ValueError(
                f"scheme {label} is a {own} scheme; this {family} job needs a {family} scheme"
            )
        return spec
    if family is not None:
        if family not in _RESOLVERS:
            raise ValueError(f"unknown scheme family {family!r}; valid: {', '.join(families())}")
        return _RESOLVERS[family](spec)
    from .matmul import MATMUL_SCHEMES
    from .sums import SCHEMES

    name = spec.partition(":")[0]
    if name in SCHEMES.names() or name not in MATMUL_SCHEMES.names():
        try:
            return _RESOLVERS["sums"](spec)
        except ValueError as e:
            if name in SCHEMES.names():
                raise
            raise ValueError(
                f"{e}; matrix-multiplication codes: {', '.join(MATMUL_SCHEMES.names())}"
            ) from None
    return _RESOLVERS["matmul"](spec)


def scheme(spec: Any, family: str | None = None) -> Any:
    """``codedcomp.scheme(spec)``: a scheme of any family by its spec (see :func:`resolve`)."""
    return resolve(spec, family)


__all__ = ["DEFAULT_SCHEME", "DEFAULT_SCHEMES", "families", "register_family", "resolve", "scheme"]
