"""The books of one job, between a policy and an executor — the same for simulator and runtime.

Both executors (:mod:`codedcomp.sim.des` under a virtual clock, :mod:`codedcomp.runtime.master`
under the real one) drive a :class:`~codedcomp.core.policy.Policy` through a :class:`Job`: it
registers every task the policy launches (ids must be unique per job), tracks where each task
is and how it ended (``done``, ``cancelled``, ``lost`` to a crash, ``failed`` by raising),
filters what reaches the policy — a result of a task already cancelled, or a second result of a
task, is recorded but never delivered, so a policy never decodes from a cancelled task — checks
every value against the decoder's declared kind (:mod:`codedcomp.core.values`), and answers
"can anything more arrive?" (:meth:`Job.settled`).  The executor only carries out the
:class:`~codedcomp.core.tasks.Actions` that :meth:`Job.begin`, :meth:`Job.deliver` and
:meth:`Job.tick` return (cancellations already filtered to tasks still outstanding).
"""

from __future__ import annotations

from typing import Any

from .policy import Policy
from .tasks import Actions, Event, Task
from .values import ValueCheck

OUTSTANDING = "queued"  # given to a worker, not finished yet (queued or running)
FINAL = ("done", "cancelled", "lost", "failed")


class Job:
    """See the module docstring.  ``check_values=False``: the simulator feeds supports only."""

    def __init__(self, policy: Policy, n_workers: int, *, check_values: bool = True) -> None:
        self.policy = policy
        self.n_workers = n_workers
        self.task: dict[int, Task] = {}
        self.worker: dict[int, int] = {}
        self.state: dict[int, str] = {}
        self.outstanding: list[set[int]] = [set() for _ in range(n_workers)]
        self.idle = [False] * n_workers
        self.dead = [False] * n_workers
        self.arrivals: list[float] = []  # ``now`` of every result delivered, in order
        self.fed: list[int] = []  # ids of the results delivered, in order
        self.after_cancel: list[tuple[int, float]] = []  # results of cancelled tasks: (id, now)
        self.cancel_requests: list[tuple[int, float]] = []  # (id, now) of every cancel sent
        self._check = ValueCheck(policy.accepts, policy.label) if check_values else None

    # -- the policy's actions ---------------------------------------------------------------
    def begin(self) -> Actions:
        """The policy's initial tasks, registered."""
        return self._register(self.policy.initial(), 0.0)

    def _register(self, actions: Actions | None, now: float) -> Actions:
        if not actions:
            return Actions()
        for w, tasks in actions.submit.items():
            if not 0 <= w < self.n_workers:
                raise ValueError(
                    f"{self.policy.label}: task submitted to worker {w}; "
                    f"workers are 0..{self.n_workers - 1}"
                )
            for t in tasks:
                if t.id in self.task:
                    raise ValueError(
                        f"{self.policy.label}: task id {t.id} submitted twice (ids are unique "
                        "per job; a copy is a new task: Task.copy)"
                    )
                self.task[t.id] = t
                self.worker[t.id] = w
                self.state[t.id] = OUTSTANDING
                self.outstanding[w].add(t.id)
            if tasks:
                self.idle[w] = False
        cancel = []
        for tid in actions.cancel:
            if self.state.get(tid) == OUTSTANDING:
                self.state[tid] = "cancelled"
                self.outstanding[self.worker[tid]].discard(tid)
                self.cancel_requests.append((tid, now))
                cancel.append(tid)
        return Actions({w: t for w, t in actions.submit.items() if t}, cancel)

    # -- events ------------------------------------------------------------------------------
    def deliver(self, ev: Event, now: float) -> Actions:
        """Book one event, hand it to the policy if it should see it; the actions to carry out."""
        kind, w, tid = ev.kind, ev.worker, ev.task
        if kind == "result":
            state = self.state.get(tid)
            if state != OUTSTANDING:
                if state == "cancelled":
                    self.after_cancel.append((tid, now))
                return Actions()  # cancelled, duplicated or unknown: never decoded from
            self.state[tid] = "done"
            self.outstanding[w].discard(tid)
            if self._check is not None and ev.value is not None:
                ev = ev._replace(value=self._check(ev.value, w, tid))
            self.arrivals.append(now)
            self.fed.append(tid)
        elif kind == "error":
            if self.state.get(tid) != OUTSTANDING:
                return Actions()
            self.state[tid] = "failed"
            self.outstanding[w].discard(tid)
        elif kind == "crash":
            if self.dead[w]:
                return Actions()
            self.dead[w] = True
            for t in self.outstanding[w]:
                self.state[t] = "lost"
            self.outstanding[w].clear()
        elif kind == "idle":
            self.idle[w] = True
        elif kind == "cancelled":
            return Actions()  # the worker's acknowledgement: books only (executors record work)
        return self._register(self.policy.on_event(ev, now), now)

    def tick(self, now: float) -> Actions:
        """Call the policy's ``on_time`` if its ``wake_at`` has come."""
        wake = self.policy.wake_at
        if wake is None or now < wake:
            return Actions()
        return self._register(self.policy.on_time(now), now)

    # -- questions ---------------------------------------------------------------------------
    def settled(self) -> bool:
        """Nothing more can arrive: every worker is dead, or idle with nothing outstanding."""
        return all(
            d or (i and not o)
            for d, i, o in zip(self.dead, self.idle, self.outstanding, strict=True)
        )

    def decode_point(self) -> int | None:
        """The policy's decode point, clamped to what was delivered (``None``: not ready)."""
        if not self.policy.ready:
            return None
        n = self.policy.decode_point()
        if n is None or not 1 <= n <= len(self.arrivals):
            n = len(self.arrivals)
        return n

    def counts(self) -> dict[str, int]:
        """Tasks by final state (``queued``: still outstanding)."""
        out = dict.fromkeys((OUTSTANDING, *FINAL), 0)
        for s in self.state.values():
            out[s] += 1
        return out

    def outstanding_ids(self) -> list[int]:
        return sorted(t for o in self.outstanding for t in o)

    def cancelled_ids(self) -> list[int]:
        return sorted(t for t, s in self.state.items() if s == "cancelled")

    def info(self, tid: int) -> dict[str, Any]:
        t = self.task[tid]
        return {"worker": self.worker[tid], "state": self.state[tid], "origin": t.origin}
