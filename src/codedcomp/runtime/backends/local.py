"""The ``local`` backend: a persistent pool of worker processes, many logical workers in each.

Embedded, nothing to start by hand.  The first job spawns ``processes`` host processes (default
``min(4, max(2, cpu_count))``; ``../shared/notes/runtime.md`` measured 2–4 processes, each with
many logical workers, as the best design on a small machine: 24–38 µs per task, sub-ms timing
error); later jobs reuse them.  Every host runs one :class:`~codedcomp.runtime.engine.Engine`
thread holding its logical workers (worker ``j`` on host ``j mod processes``) plus a reader
thread that drains the command pipe (so the master can never deadlock against a host busy
sending results).  Results stream back over one duplex pipe per host.

* **Shipping.**  The workload is pickled once per ``workload_key`` (one per ``codedcomp.run``)
  on the master (``cloudpickle`` when installed, so lambdas work; else ``pickle``) and sent to
  a host only when that host does not hold the same bytes yet (content digest): repeated runs
  of an unchanged workload ship it once, and a workload changed between runs is re-shipped.
  :meth:`LocalBackend.check` pickles it before anything starts and fails with one line.
* **Crashes.**  The master waits on the hosts' sockets, which turn readable (EOF) the moment a
  host dies: a host that dies
  (``os._exit`` in an ``f_i``, a segfault, the OOM killer, ``kill -9``) is detected at once, each
  logical worker it hosted gets a ``"crash"`` event, and the host is replaced (spawned afresh)
  when the next job opens.
* **Stopping.**  ``close`` sends a cancel to every host and waits (``grace`` seconds) for each to
  acknowledge; a host that does not (an ``f_i`` that never returns) is killed and replaced.  A
  ``KeyboardInterrupt`` that lands while the master is in the middle of talking to a host marks
  that host's pipe as unusable: it is killed rather than trusted.  Hosts ignore SIGINT (the
  master alone decides) and exit when their pipe closes, so they never outlive the master.
  ``shutdown()`` (also registered ``atexit``) stops all hosts.
* **Job data** (encoded operands and the like) travels in shared memory
  (:mod:`.shm`): written once per job into one ``/dev/shm`` file, mapped read-only by every host,
  removed when the job's session closes (files of masters that died are removed when a backend
  next opens a job).  **Large results** (≥ 1 MiB, a matmul worker's product) come back the same
  way: the host writes them to shared memory right after computing them and sends only the
  file's name (:func:`.shm.spill`).
* Each host limits BLAS/OpenMP pools to one thread (``threadpoolctl``), so ``processes`` hosts
  use ``processes`` cores.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from ...errors import check
from ...workloads.base import Workload
from .base import Backend, CloseReport, JobSpec, Session
from .hosted import HostedSession
from .shm import SharedArrays

HELLO_TIMEOUT = 120.0  # seconds a fresh host may take to start (imports numpy on a busy machine)
OPEN_TIMEOUT = 60.0  # seconds a host may take to accept a job (unpickling a large plan)


def _dumps(obj: Any) -> bytes:
    try:
        import cloudpickle

        return bytes(cloudpickle.dumps(obj))
    except ImportError:  # pragma: no cover - cloudpickle ships with the ray extra
        return pickle.dumps(obj)


def _host_main(fd: int) -> None:
    """Entry point of a host process: serve the master's commands until told to exit."""
    from ..engine import Engine

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    kind, path = conn.recv()  # ("init", sys.path of the master): import what it can import
    if kind == "init":
        sys.path[:] = [p for p in path if p not in sys.path] + sys.path
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # optional: it only limits BLAS threads
        pass
    inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()

    def reader() -> None:
        try:
            while True:
                inbox.put(conn.recv())
        except (EOFError, OSError):
            inbox.put(("exit",))

    threading.Thread(target=reader, name="codedcomp-host-reader", daemon=True).start()

    def get(timeout: float | None) -> tuple[Any, ...] | None:
        try:
            if timeout is not None and timeout <= 0:
                return inbox.get_nowait()
            return inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    from .shm import attach, spill

    conn.send(("hello", "", os.getpid()))
    master = os.getppid()
    try:
        Engine(
            conn.send,
            ack=True,
            freeze_gc=True,
            attach=attach,
            post=inbox.put,
            spill=lambda value: spill(value, master),
        ).run(get)
    except (BrokenPipeError, EOFError, OSError):
        pass  # the master is gone: nothing left to serve


_BOOT = (
    "import sys; from codedcomp.runtime.backends.local import _host_main; "
    "_host_main(int(sys.argv[1]))"
)


class _Host:
    """Master-side handle of one host process.

    Started with ``subprocess`` (not ``multiprocessing``): the host never re-imports the user's
    ``__main__`` (no ``if __name__ == "__main__"`` idiom needed; ``cloudpickle`` ships functions
    defined there by value), lives in its own session (a terminal's Ctrl-C reaches only the
    master, which then stops the job cleanly), and talks over one end of a socket pair whose EOF
    tells the master the moment the host dies.
    """

    def __init__(self, name: str) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.name = name
        self.conn = Connection(ours.detach())
        self.pid: int | None = self.process.pid
        self.loaded: str | None = None  # workload key it holds
        self.dead = False
        self.reason: str | None = None  # why the master gave up on it, if not that it died
        # set while inside a send / a receive on this pipe (sends come from the master's
        # thread, receives from its receiver thread during a job: two flags, no race)
        self.sending = False
        self.receiving = False
        self.send(("init", list(sys.path)))

    @property
    def io_busy(self) -> bool:
        """Interrupted (``KeyboardInterrupt``) in the middle of a message: do not trust it."""
        return self.sending or self.receiving

    def send(self, msg: tuple[Any, ...]) -> bool:
        if self.dead:
            return False
        self.sending = True
        try:
            self.conn.send(msg)
        except (BrokenPipeError, EOFError, OSError):
            self.dead = True
            return False
        self.sending = False
        return True

    def recv_all(self) -> list[tuple[Any, ...]]:
        """Everything the host has sent so far (marks it dead on EOF)."""
        out: list[tuple[Any, ...]] = []
        if self.dead:
            return out
        self.receiving = True
        try:
            while self.conn.poll():
                buf = self.conn.recv_bytes()
                try:
                    out.append(pickle.loads(buf))
                except Exception as e:  # e.g. a spilled result's file is gone: not a dead pipe
                    self.reason = (
                        f"could not read a message from host process {self.pid} "
                        f"({type(e).__name__}: {e}); the host was replaced"
                    )
                    self.receiving = False
                    self.kill()
                    return out
        except (EOFError, OSError):
            self.dead = True
        self.receiving = False
        return out

    def exitcode(self, wait: float = 0.0) -> int | None:
        """The exit code, waiting up to ``wait`` s for a dying process (its EOF comes first)."""
        try:
            return self.process.wait(wait) if wait > 0 else self.process.poll()
        except subprocess.TimeoutExpired:
            return None

    def alive(self) -> bool:
        return not self.dead and self.process.poll() is None

    def kill(self) -> None:
        self.dead = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(0.5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        try:
            self.process.wait(2.0)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL not yet delivered
            pass
        if not self.conn.closed:
            self.conn.close()
        from .shm import remove_results

        remove_results([self.pid])  # results it spilled that the master will never read

    def stop(self, timeout: float) -> None:
        if not self.dead and self.send(("exit",)):
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


class LocalBackend(Backend):
    """Persistent pool of ``processes`` host processes (see the module docstring)."""

    name = "local"

    def __init__(self, *, processes: int | None = None) -> None:
        if processes is None:
            processes = min(4, max(2, os.cpu_count() or 2))
        check(
            "LocalBackend",
            "processes",
            processes,
            isinstance(processes, int) and processes >= 1,
            "an integer >= 1",
        )
        self.processes = processes
        self._hosts: list[_Host] = []
        self._payload: tuple[str, str, bytes] | None = None  # (workload_key, digest, bytes)
        self._ids = itertools.count()
        self._atexit = False
        self._swept = False  # stale job-data files of dead masters removed
        self._lock = threading.Lock()

    # -- pool management -------------------------------------------------------------------
    def pids(self) -> list[int]:
        """Process ids of the live hosts (for tests and monitoring)."""
        return [h.pid for h in self._hosts if h.alive() and h.pid is not None]

    def _ensure_hosts(self) -> list[_Host]:
        with self._lock:
            for h in [h for h in self._hosts if not h.alive() or h.io_busy]:
                h.kill()
                self._hosts.remove(h)
            fresh = []
            while len(self._hosts) < self.processes:
                h = _Host(f"codedcomp-host-{next(self._ids)}")
                self._hosts.append(h)
                fresh.append(h)
            if not self._atexit:
                atexit.register(self.shutdown)
                self._atexit = True
            deadline = time.monotonic() + HELLO_TIMEOUT
            for h in fresh:
                ok = h.conn.poll(max(0.0, deadline - time.monotonic()))
                msgs = h.recv_all() if ok else []
                if not msgs or msgs[0][0] != "hello":
                    for g in fresh:
                        g.kill()
                        self._hosts.remove(g)
                    raise RuntimeError(f"local backend: host process {h.pid} did not start")
            return list(self._hosts)

    def _workload_bytes(self, key: str, workload: Workload) -> tuple[str, bytes]:
        """(content digest, pickled bytes) of ``workload``, pickled once per ``workload_key``.

        Never cached on object identity: a workload mutated between two runs is a new run
        (new key), so it is pickled again and, its digest having changed, shipped again.
        """
        if self._payload is None or self._payload[0] != key:
            data = _dumps(workload)
            self._payload = (key, hashlib.sha1(data).hexdigest(), data)
        return self._payload[1], self._payload[2]

    def check(self, workload: Workload) -> None:
        try:
            _dumps(workload)
        except Exception as e:  # any pickling failure is the user's to fix
            raise ValueError(
                f"local backend: the workload cannot be sent to worker processes "
                f"({type(e).__name__}: {e}); use module-level functions or backend='thread'"
            ) from None

    def open(self, job: JobSpec) -> Session:
        if not self._swept:
            from .shm import remove_stale

            remove_stale()
            self._swept = True
        return _LocalSession(self, job, self._ensure_hosts())

    def shutdown(self) -> None:
        with self._lock:
            hosts, self._hosts = self._hosts, []
        for h in hosts:
            h.stop(2.0)


class _LocalSession(HostedSession):
    def __init__(self, backend: LocalBackend, job: JobSpec, hosts: list[_Host]) -> None:
        super().__init__(job, len(hosts))
        self.backend = backend
        self.hosts = hosts
        for h in hosts:  # anything a previous job left in the pipes is stale
            h.recv_all()
        self._digest, self._payload = backend._workload_bytes(job.workload_key, job.workload)
        self._shared: SharedArrays | None = None
        try:
            if job.data is not None:
                self._shared = SharedArrays(job.data)
            self._ship()
            self._await_armed(OPEN_TIMEOUT)
        except BaseException:
            self._release()
            raise

    def _job_handles(self, k: int, keys: set[str] | None) -> tuple[Any, Any]:
        return self.job.x, None if self._shared is None else self._shared.descriptor()

    def _release(self) -> None:
        if self._shared is not None:
            self._shared.unlink()
            self._shared = None

    def _workload(self, k: int) -> tuple[str, tuple[Any, ...] | None]:
        h = self.hosts[k]
        if h.loaded == self._digest:  # a host keeps the last workload: ship only what changed
            return self._digest, None
        h.loaded = self._digest
        return self._digest, ("load", self._digest, self._payload)

    def _send(self, k: int, msg: tuple[Any, ...]) -> None:
        h = self.hosts[k]
        if h.sending:  # an earlier send was interrupted mid-message: the pipe cannot be trusted
            h.kill()
        h.send(msg)

    def _receive(self, timeout: float | None) -> None:
        handles = [h.conn for h in self.hosts if not h.dead]
        if handles and (timeout is None or timeout > 0):
            wait(handles, timeout)  # a dying host's socket turns readable (EOF) at once
        for k, h in enumerate(self.hosts):
            for msg in h.recv_all():
                self._message(k, msg)
            if h.dead and k not in self._dead_hosts:
                self._host_dead(
                    k, h.reason or f"host process {h.pid} died (exit code {h.exitcode(wait=0.5)})"
                )

    def _alive(self, k: int) -> bool:
        return not self.hosts[k].dead

    def _reclaim(self, k: int) -> None:
        if not self.hosts[k].dead:
            self.hosts[k].kill()  # replaced when the next job opens

    def _recycle(self, k: int) -> None:
        self.hosts[k].kill()  # its stuck threads die with it; replaced when the next job opens

    def close(self, grace: float = 2.0) -> CloseReport:
        if self.closed is None:
            for h in self.hosts:
                if h.io_busy:  # interrupted mid-message: the pipe cannot be trusted
                    h.kill()
        return super().close(grace)
