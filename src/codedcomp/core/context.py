"""What a policy may know about the job it drives, before the job starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobContext:
    """Sizes and models of one job, given to :meth:`Scheme.policy` by either executor.

    ``delay``: the initial-delay model in use (``None``: unknown); ``service``: the per-task
    service-time model of the simulator (``None``: the papers' model, tasks take ``τ·cost``);
    ``executor``: ``"sim"`` or ``"run"``; ``natural``: a real run with no injected delay and no
    padding, whose task times are only known by observing them; ``task_timeout``: in a real run,
    seconds after which a task handed out and not returned is presumed lost (pull queues
    re-issue it).
    """

    m: int
    workers: int
    tau: float
    delay: Any = None
    service: Any = None
    executor: str = "sim"
    natural: bool = False
    task_timeout: float | None = None  # real runs: a task outstanding longer counts as lost
