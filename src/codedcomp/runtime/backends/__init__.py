"""Backends that run logical workers: a small registry with a local default (STYLE.md, Ray/joblib).

``thread`` (in-process threads; for tests), ``local`` (persistent process pool; the default) and
``ray`` (a Ray cluster; its module ``backends/ray.py`` is imported only when asked for, so
``import codedcomp`` never imports Ray).  Specs follow the library's one parser, e.g.
``local``, ``local:processes=4``, ``thread:threads=1``.

:func:`backend` returns one **shared, persistent** instance per spec (a pool is started once and
reused by every later run); :func:`shutdown` stops them all (also registered ``atexit`` by the
pools themselves).  The interface every backend implements is in :mod:`.base`.
"""

from __future__ import annotations

import importlib
from typing import Any

from ...specs import Param, Registry
from .base import Backend, CloseReport, Event, Fault, JobSpec, Session, Task, WorkerStop


def _local(**kwargs: Any) -> Backend:
    from .local import LocalBackend

    return LocalBackend(**kwargs)


def _thread(**kwargs: Any) -> Backend:
    from .thread import ThreadBackend

    return ThreadBackend(**kwargs)


def _ray(**kwargs: Any) -> Backend:
    try:
        module = importlib.import_module(f"{__name__}.ray")
    except ModuleNotFoundError as e:
        if e.name == "ray":
            raise ValueError("backend 'ray' needs Ray: pip install 'codedcomp[ray]'") from None
        if e.name == f"{__name__}.ray":
            raise ValueError(
                "backend 'ray' is not available in this version of codedcomp"
            ) from None
        raise
    factory = getattr(module, "RayBackend", None)
    if factory is None:
        raise ValueError("backend 'ray' is not available in this version of codedcomp")
    backend: Backend = factory(**kwargs)
    return backend


BACKENDS: Registry[Backend] = Registry("backend")
BACKENDS.register(
    "local",
    _local,
    (Param("processes", int, default=None, low=1),),
    summary="persistent pool of worker processes, many logical workers each",
)
BACKENDS.register(
    "thread",
    _thread,
    (Param("threads", int, default=2, low=1),),
    summary="engine threads in this process (tests, debugging)",
)
BACKENDS.register(
    "ray",
    _ray,
    (
        Param(
            "address", str, default=None, help="existing cluster: ray://host:10001, host:6379, auto"
        ),
        Param("hosts", int, default=None, low=1, help="host actors (default: cluster CPUs, <= 32)"),
        Param("num_cpus", int, default=None, low=1, help="CPUs of a local instance started here"),
    ),
    summary="a Ray cluster (pip install 'codedcomp[ray]')",
)

_shared: dict[str, Backend] = {}


def backend(spec: str | Backend = "local") -> Backend:
    """The shared persistent backend for ``spec`` (or ``spec`` itself if already a backend)."""
    if isinstance(spec, Backend):
        return spec
    key = spec.strip() if isinstance(spec, str) else spec
    if key not in _shared:
        _shared[key] = BACKENDS.create(key)
    return _shared[key]


def validate(spec: str | Backend) -> None:
    """Check a backend spec (name, keys) without starting anything."""
    if not isinstance(spec, Backend):
        BACKENDS.parse_args(spec)


def shutdown() -> None:
    """Stop every shared backend (process pools, threads, Ray actors)."""
    while _shared:
        _, b = _shared.popitem()
        b.shutdown()


__all__ = [
    "BACKENDS",
    "Backend",
    "CloseReport",
    "Event",
    "Fault",
    "JobSpec",
    "Session",
    "Task",
    "WorkerStop",
    "backend",
    "shutdown",
    "validate",
]
