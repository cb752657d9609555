"""A session over *engine hosts*: the one transport-independent implementation every backend uses.

``thread``, ``local`` and ``ray`` all run the logical workers on a few hosts (engine threads,
host processes, Ray host actors), worker ``j`` on host ``j mod hosts``, and talk to each host with
the :mod:`~codedcomp.runtime.engine` command protocol.  :class:`HostedSession` does everything
that does not depend on the transport: assigning workers to hosts, shipping the job (workload,
input, job data, queues), waiting until every host holds it, starting, appending and cancelling
tasks, collecting events and acknowledgements, translating the clock of a host on another
machine, the **crash fan-out** (a host that dies makes every logical worker it hosted crash, at
once), cancelling with a grace period, and the ``"killed"`` fallback for hosts that never
acknowledged.  A backend supplies the transport:

* :meth:`HostedSession._send` — one command to host ``k`` (silently nothing if it is gone);
* :meth:`HostedSession._receive` — wait up to ``timeout`` s for anything from any host and hand
  every message to :meth:`HostedSession._message` (and call :meth:`HostedSession._host_dead`
  for hosts that died);
* :meth:`HostedSession._alive` / :meth:`HostedSession._reclaim` — whether host ``k`` can still
  answer; what to do with one that did not stop in time (kill it, or abandon the thread);
* :meth:`HostedSession._workload` — the key host ``k`` knows the workload by, and the
  ``("load", key, payload)`` command it needs first (``None``: it holds it already);
* :meth:`HostedSession._job_handles` — how ``x`` and the job data travel to host ``k`` (shared
  memory on ``local``, object references on Ray, the objects themselves in-process), given the
  names of the job data its workers' initial tasks read (``Workload.data_keys``);
* :meth:`HostedSession._offset` — host ``k``'s clock minus the master's (0 on this machine).

Opening waits until every host acknowledged the job (``"armed"``): the master takes ``t0`` only
then, so a host still unpickling a large plan does not start its workers late.

``poll`` may run on another thread than ``submit`` (``concurrent_poll``): the master polls on a
receiver thread so results are stamped on arrival; ``close`` runs once that thread stopped.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from ...core.tasks import Event, Task
from .base import CloseReport, JobSpec, Session


def task_tuples(tasks: Sequence[Task]) -> list[tuple[int, Any, float, float]]:
    """Tasks as the engine protocol carries them."""
    return [(t.id, t.payload, t.cost, t.extra) for t in tasks]


class HostedSession(Session):
    """One job on ``n_hosts`` engine hosts; see the module docstring."""

    concurrent_poll = True
    #: the backend ships each host only the job data its workers read (``_job_handles`` uses
    #: ``keys``): only then are the tasks' ``Workload.data_keys`` collected
    per_host_data = False

    def __init__(self, job: JobSpec, n_hosts: int) -> None:
        self.job = job
        self.n_hosts = n_hosts
        self.closed: CloseReport | None = None
        self._pending: list[Event] = []
        self._acks: dict[int, list[Any]] = {}  # host -> WorkerStop tuples of its workers
        self._armed: set[int] = set()  # hosts that acknowledged the job
        self._crashed: set[int] = set()  # logical workers known dead
        self._dead_hosts: set[int] = set()  # hosts whose death was fanned out
        self._abandoned: dict[int, int] = {}  # host -> calls it abandoned as hung

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

    def _job_handles(self, k: int, keys: set[str] | None) -> tuple[Any, Any]:
        """(x, job data) as they travel to host ``k`` (default: the objects themselves).

        ``keys``: the names of the job data the initial tasks of host ``k``'s workers read
        (``None``: unknown, any)."""
        return self.job.x, self.job.data

    def _offset(self, k: int) -> float:
        """Host ``k``'s monotonic clock minus the master's."""
        return 0.0

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
            x, data = self._job_handles(k, self._data_keys(workers) if self.per_host_data else None)
            key, load = self._workload(k)
            if load is not None:
                self._send(k, load)
            options = {"task_timeout": job.task_timeout}
            self._send(k, ("job", job.job_id, job.tau, key, x, data, workers, options))

    def _data_keys(self, workers: list[Any]) -> set[str] | None:
        """The job data the initial tasks of ``workers`` (as shipped) read; ``None``: any."""
        if self.job.data is None:
            return None
        keys: set[str] = set()
        for _, _, tasks, _ in workers:
            for t in tasks:
                names = self.job.workload.data_keys(t[1])
                if names is None:
                    return None
                keys.update(names)
        return keys

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
            off = self._offset(k)
            for ev in payload:
                event = Event(*ev)
                if off:
                    began = None if event.began is None else event.began - off
                    event = event._replace(time=event.time - off, began=began)
                if event.kind == "crash":
                    self._crashed.add(event.worker)
                self._pending.append(event)
        elif kind == "stopped":
            self._acks[k] = payload
        elif kind == "armed":
            self._armed.add(k)
            if payload:  # threads stuck in hung calls of earlier jobs: recycle after this one
                self._abandoned[k] = int(payload)
        elif kind == "abandoned":
            self._abandoned[k] = int(payload)

    def _host_dead(self, k: int, why: str) -> None:
        """Host ``k`` died: every logical worker it hosted that was alive crashes, now."""
        if k in self._dead_hosts:
            return
        self._dead_hosts.add(k)
        now = time.monotonic()
        for j in range(k, self.job.n_workers, self.n_hosts):
            if j not in self._crashed:
                self._crashed.add(j)
                self._pending.append(Event("crash", j, -1, now, None, why))

    def start(self, t0: float) -> None:
        for k in range(self.n_hosts):
            self._send(k, ("go", self.job.job_id, t0 + self._offset(k)))

    def submit(self, worker: int, tasks: Sequence[Task]) -> None:
        k = self.host_of(worker)
        if k in self._dead_hosts:
            self._pending.append(
                Event("crash", worker, -1, time.monotonic(), None, "task given to a dead host")
            )
            return
        self._send(k, ("submit", self.job.job_id, worker, task_tuples(tasks)))

    def cancel_tasks(self, worker: int, ids: Sequence[int]) -> None:
        self._send(self.host_of(worker), ("cancel_tasks", self.job.job_id, worker, list(ids)))

    def poll(self, timeout: float | None) -> list[Event]:
        if not self._pending:
            self._receive(timeout)
        out, self._pending = self._pending, []
        return out

    def _recycle(self, k: int) -> None:
        """Host ``k`` left threads stuck in hung calls: replace it after the job (default:
        nothing can be done — a thread cannot be killed)."""

    def _release(self) -> None:
        """Free what the job held outside the hosts (e.g. its shared memory); idempotent."""

    def close(self, grace: float = 2.0) -> CloseReport:
        if self.closed is not None:
            return self.closed
        report = CloseReport()
        t_start = time.monotonic()
        try:
            for k in range(self.n_hosts):
                if k not in self._acks:
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
            report.abandoned = sum(self._abandoned.values())
            self._pending = []
            for k in self._abandoned:  # threads stuck in hung calls: recycle the host
                self._recycle(k)
        finally:
            report.stop_seconds = time.monotonic() - t_start
            self.closed = report
            self._release()
        return report
