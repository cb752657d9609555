"""The ``thread`` backend: logical workers on engine threads inside the master process.

In-process and deterministic enough for unit tests: no pickling, nothing to start but a few
daemon threads (persistent, reused across jobs).  Each thread runs an
:class:`~codedcomp.runtime.engine.Engine` holding a share of the logical workers (worker ``j`` on
thread ``j mod threads``); events come back on one ``queue.Queue``.

Limits, stated honestly: every computation shares the master's GIL (real numpy work of many
workers contends with the master's decoding — ``../shared/notes/runtime.md`` measured this as the
worst design for real compute), and a Python thread cannot be killed: a workload whose ``f_i``
truly never returns leaves its engine thread stuck; ``close`` then abandons that daemon thread and
starts a fresh one for later jobs.  Injected ``hang`` faults do not block a thread (the engine
just stops serving that logical worker).  Use ``local`` for real execution.
"""

from __future__ import annotations

import itertools
import queue
import threading
from typing import Any

from ...errors import check
from .base import Backend, JobSpec, Session
from .hosted import HostedSession

OPEN_TIMEOUT = 60.0  # seconds an engine thread may take to accept a job


class _EngineThread:
    def __init__(self, out: queue.Queue[tuple[Any, ...]], name: str) -> None:
        from ..engine import Engine

        self.inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.engine = Engine(  # messages tagged: who sent them
            lambda msg: out.put((self, msg)), ack=True, post=self.inbox.put
        )
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        self.thread.start()

    def _get(self, timeout: float | None) -> tuple[Any, ...] | None:
        try:
            if timeout is not None and timeout <= 0:
                return self.inbox.get_nowait()
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def _main(self) -> None:
        self.engine.run(self._get)

    def stop(self, timeout: float) -> bool:
        self.inbox.put(("exit",))
        self.thread.join(timeout)
        return not self.thread.is_alive()


class ThreadBackend(Backend):
    """Logical workers on ``threads`` engine threads of this process (see module docstring)."""

    name = "thread"

    def __init__(self, *, threads: int = 2) -> None:
        check(
            "ThreadBackend",
            "threads",
            threads,
            isinstance(threads, int) and threads >= 1,
            "an integer >= 1",
        )
        self.threads = threads
        self._engines: list[_EngineThread] = []
        self._out: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def _ensure(self) -> list[_EngineThread]:
        with self._lock:
            while len(self._engines) < self.threads:
                k = next(self._ids)
                self._engines.append(_EngineThread(self._out, f"codedcomp-engine-{k}"))
            return list(self._engines)

    def open(self, job: JobSpec) -> Session:
        return _ThreadSession(self, job, self._ensure())

    def _replace(self, engine: _EngineThread) -> None:
        with self._lock:
            if engine in self._engines:
                self._engines.remove(engine)

    def shutdown(self) -> None:
        with self._lock:
            engines, self._engines = self._engines, []
        for e in engines:
            e.stop(1.0)


class _ThreadSession(HostedSession):
    def __init__(self, backend: ThreadBackend, job: JobSpec, engines: list[_EngineThread]) -> None:
        super().__init__(job, len(engines))
        self.backend = backend
        self.engines = engines
        self._index = {id(e): k for k, e in enumerate(engines)}
        self._receive(0.0)  # drop anything a previous job left behind
        self._pending.clear()
        self._ship()
        self._await_armed(OPEN_TIMEOUT)

    def _workload(self, k: int) -> tuple[str, tuple[Any, ...] | None]:
        key = self.job.workload_key  # in-process: the object itself, no copy, always current
        return key, ("load", key, self.job.workload)

    def _send(self, k: int, msg: tuple[Any, ...]) -> None:
        self.engines[k].inbox.put(msg)

    def _receive(self, timeout: float | None) -> None:
        out = self.backend._out
        try:
            item = out.get(timeout=timeout) if timeout is None or timeout > 0 else out.get_nowait()
        except queue.Empty:
            return
        while True:
            engine, msg = item
            k = self._index.get(id(engine))
            if k is not None:
                self._message(k, msg)
            try:
                item = out.get_nowait()
            except queue.Empty:
                return

    def _alive(self, k: int) -> bool:
        return self.engines[k].thread.is_alive()

    def _reclaim(self, k: int) -> None:
        self.backend._replace(self.engines[k])  # stuck in an f_i: abandoned, a fresh one later
