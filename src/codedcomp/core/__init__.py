"""The core every scheme family stands on (DESIGN.md "The one idea to keep").

* :mod:`.tasks` — :class:`Task` ``(id, payload, cost)``, :class:`Event`, :class:`Actions`;
* :mod:`.policy` — :class:`Policy` (initial queues, reactions to events and to time, stop rule),
  :class:`StaticPolicy` (a scheme's fixed plan) and :class:`PullPolicy` (``ideal``'s work queue);
* :mod:`.job` — :class:`Job`, the books both executors keep between a policy and their workers;
* :mod:`.values` — what a decoder accepts as a value (no silent casts);
* :mod:`.work` — :class:`Work`, the cost of a job reported for every scheme and policy;
* :mod:`.context` — :class:`JobContext`, what a policy may know before the job starts.

The discrete-event simulator (:mod:`codedcomp.sim.des`) and the real runtime
(:mod:`codedcomp.runtime.master`) both drive these same objects.  Nothing here imports a code
family, the simulator or the runtime.
"""

from .context import JobContext
from .job import Job
from .policy import Policy, PullPolicy, StaticPolicy
from .tasks import Actions, Event, Task
from .values import ValueCheck, coerce
from .work import Work, summarize, work_at

__all__ = [
    "Actions",
    "Event",
    "Job",
    "JobContext",
    "Policy",
    "PullPolicy",
    "StaticPolicy",
    "Task",
    "ValueCheck",
    "Work",
    "coerce",
    "summarize",
    "work_at",
]
