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
import time
from collections.abc import Sequence
from typing import Any

from ...errors import check
from .base import Backend, CloseReport, Event, JobSpec, Session, Task, WorkerStop


class _EngineThread:
    def __init__(self, out: queue.Queue[tuple[Any, ...]], name: str) -> None:
        from ..engine import Engine

        self.inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.engine = Engine(out.put)
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


class _ThreadSession(Session):
    def __init__(self, backend: ThreadBackend, job: JobSpec, engines: list[_EngineThread]) -> None:
        self.backend = backend
        self.job = job
        self.engines = engines
        self.closed: CloseReport | None = None
        self.stopped: dict[str, list[Any]] = {}
        self._pending: list[Event] = []
        self._drain()  # drop anything a previous job left behind
        self._pending.clear()
        per: list[list[Any]] = [[] for _ in engines]
        for j in range(job.n_workers):
            tasks = [(t.index, t.functions, t.cost) for t in job.tasks.get(j, ())]
            f = job.faults.get(j)
            per[j % len(engines)].append(
                (j, float(job.delays[j]), tasks, (f.kind, f.at) if f else None)
            )
        for e, workers in zip(engines, per, strict=True):
            e.inbox.put(("load", job.workload_key, job.workload))
            e.inbox.put(("job", job.job_id, job.tau, job.workload_key, job.x, workers))

    def start(self, t0: float) -> None:
        for e in self.engines:
            e.inbox.put(("go", self.job.job_id, t0))

    def _drain(self, block: float | None = 0.0) -> None:
        out = self.backend._out
        try:
            msg = out.get(timeout=block) if block is None or block > 0 else out.get_nowait()
        except queue.Empty:
            return
        while True:
            kind, job_id, payload = msg
            if job_id == self.job.job_id:
                if kind == "ev":
                    self._pending.extend(Event(*ev) for ev in payload)
                else:
                    self.stopped.setdefault(job_id, []).append(payload)
            try:
                msg = out.get_nowait()
            except queue.Empty:
                return

    def submit(self, worker: int, tasks: Sequence[Task]) -> None:
        payload = [(t.index, t.functions, t.cost) for t in tasks]
        self.engines[worker % len(self.engines)].inbox.put(
            ("submit", self.job.job_id, worker, payload)
        )

    def poll(self, timeout: float | None) -> list[Event]:
        if not self._pending:
            self._drain(timeout if timeout is None or timeout > 0 else 0.0)
        out, self._pending = self._pending, []
        return out

    def close(self, grace: float = 2.0) -> CloseReport:
        if self.closed is not None:
            return self.closed
        report = CloseReport()
        t_start = time.monotonic()
        try:
            for e in self.engines:
                e.inbox.put(("cancel", self.job.job_id))
            deadline = t_start + grace
            acks: list[Any] = []
            while True:
                acks = self.stopped.get(self.job.job_id, [])
                left = deadline - time.monotonic()
                if len(acks) >= len(self.engines) or left <= 0:
                    break
                self._drain(min(left, 0.05))
            for stops in acks:
                for s in stops:
                    report.stops[s[0]] = WorkerStop(*s)
            if len(acks) < len(self.engines):  # an engine stuck in a never-returning f_i
                for e in self.engines:
                    if e.thread.is_alive() and not e.inbox.empty():
                        self.backend._replace(e)
                for j in range(self.job.n_workers):
                    report.stops.setdefault(j, WorkerStop(j, "killed", -1, 0.0))
            report.late_events = self._pending
            self._pending = []
        finally:
            report.stop_seconds = time.monotonic() - t_start
            self.closed = report
        return report
