"""A session over *engine hosts*: the part the ``thread`` and ``local`` backends share.

Both run the logical workers on a few hosts (engine threads, or host processes each with an
engine thread), worker ``j`` on host ``j mod hosts``, and talk to each host with the
:mod:`~codedcomp.runtime.engine` command protocol.  :class:`HostedSession` does everything that
does not depend on the transport: assigning workers to hosts, shipping the job, starting,
appending tasks, collecting events and acknowledgements, cancelling with a grace period, and
the ``"killed"`` fallback for hosts that never acknowledged.  A backend supplies the transport:

* :meth:`HostedSession._send` — one command to host ``k`` (silently nothing if it is gone);
* :meth:`HostedSession._receive` — wait up to ``timeout`` s for anything from any host and hand
  every message to :meth:`HostedSession._message` (and report hosts that died);
* :meth:`HostedSession._alive` / :meth:`HostedSession._reclaim` — whether host ``k`` can still
  answer; what to do with one that did not stop in time (kill it, or abandon the thread);
* :meth:`HostedSession._workload` — the key host ``k`` knows the workload by, and the
  ``("load", key, payload)`` command it needs first (``None``: it holds it already).

Opening waits until every host acknowledged the job (``"armed"``): the master takes ``t0``
only then, so a host still unpickling a large plan does not start its workers late.

``poll`` may run on another thread than ``submit`` (``concurrent_poll``): the master polls on a
receiver thread so results are stamped on arrival; ``close`` runs once that thread stopped.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from .base import CloseReport, Event, JobSpec, Session, Task


def task_tuples(tasks: Sequence[Task]) -> list[tuple[int, Any, float]]:
    """Tasks as the engine protocol carries them."""
    return [(t.index, t.functions, t.cost) for t in tasks]


class HostedSession(Session):
    """One job on ``n_hosts`` engine hosts; see the module docstring."""

    concurrent_poll = True

    def __init__(self, job: JobSpec, n_hosts: int) -> None:
        self.job = job
        self.n_hosts = n_hosts
        self.closed: CloseReport | None = None
        self._pending: list[Event] = []
        self._acks: dict[int, list[Any]] = {}  # host -> WorkerStop tuples of its workers
        self._armed: set[int] = set()  # hosts that acknowledged the job

    # -- transport (backend-specific) --------------------------------------------------------
    @abstractmethod
    def _send(self, k: int, msg: tuple[Any, ...]) -> None:
        """Send one command to host ``k`` (nothing if it is gone)."""

    @abstractmethod
    def _receive(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` s for messages; pass each to :meth:`_message`."""

    @abstractmethod
    def _alive(self, k: int) -> bool:
        """Host ``k`` can still answer."""

    @abstractmethod
    def _reclaim(self, k: int) -> None:
        """Host ``k`` did not stop within the grace period: kill or abandon it."""

    @abstractmethod
    def _workload(self, k: int) -> tuple[str, tuple[Any, ...] | None]:
        """(key of the workload on host ``k``, the ``load`` command it needs or ``None``)."""

    # -- shared --------------------------------------------------------------------------------
    def host_of(self, worker: int) -> int:
        return worker % self.n_hosts

    def _ship(self) -> None:
        """Send every host its workload (if needed) and its share of the job."""
        job = self.job
        per: list[list[Any]] = [[] for _ in range(self.n_hosts)]
        for j in range(job.n_workers):
            f = job.faults.get(j)
            per[self.host_of(j)].append(
                (
                    j,
                    float(job.delays[j]),
                    task_tuples(job.tasks.get(j, ())),
                    (f.kind, f.at) if f else None,
                )
            )
        for k, workers in enumerate(per):
            key, load = self._workload(k)
            if load is not None:
                self._send(k, load)
            self._send(k, ("job", job.job_id, job.tau, key, job.x, workers))

    def _await_armed(self, timeout: float) -> None:
        """Wait until every live host holds the job; reclaim those that do not in time."""
        deadline = time.monotonic() + timeout
        while True:
            waiting = [k for k in range(self.n_hosts) if self._alive(k) and k not in self._armed]
            left = deadline - time.monotonic()
            if not waiting or left <= 0:
                break
            self._receive(min(left, 0.5))
        for k in range(self.n_hosts):
            if self._alive(k) and k not in self._armed:
                self._reclaim(k)

    def _message(self, k: int, msg: tuple[Any, ...]) -> None:
        kind, job_id, payload = msg
        if job_id != self.job.job_id:
            return  # a previous job's leftovers
        if kind == "ev":
            self._pending.extend(Event(*ev) for ev in payload)
        elif kind == "stopped":
            self._acks[k] = payload
        elif kind == "armed":
            self._armed.add(k)

    def start(self, t0: float) -> None:
        for k in range(self.n_hosts):
            self._send(k, ("go", self.job.job_id, t0))

    def submit(self, worker: int, tasks: Sequence[Task]) -> None:
        self._send(self.host_of(worker), ("submit", self.job.job_id, worker, task_tuples(tasks)))

    def poll(self, timeout: float | None) -> list[Event]:
        if not self._pending:
            self._receive(timeout)
        out, self._pending = self._pending, []
        return out

    def close(self, grace: float = 2.0) -> CloseReport:
        if self.closed is not None:
            return self.closed
        report = CloseReport()
        t_start = time.monotonic()
        try:
            for k in range(self.n_hosts):
                self._send(k, ("cancel", self.job.job_id))
            deadline = t_start + grace
            while True:
                waiting = [k for k in range(self.n_hosts) if self._alive(k) and k not in self._acks]
                left = deadline - time.monotonic()
                if not waiting or left <= 0:
                    break
                self._receive(min(left, 0.05))
            for k in range(self.n_hosts):
                if k not in self._acks:  # stuck in an f_i (or dead): reclaimed, replaced later
                    self._reclaim(k)
            report.add_stops(self._acks, self.job.n_workers)
            report.late_events = self._pending
            self._pending = []
        finally:
            report.stop_seconds = time.monotonic() - t_start
            self.closed = report
        return report
