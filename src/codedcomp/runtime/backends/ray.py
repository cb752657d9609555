"""The ``ray`` backend: logical workers on a few long-lived Ray actors (``codedcomp[ray]``).

Imported only when asked for (``backend="ray"``, ``--backend ray``): ``import codedcomp`` never
imports Ray.  It implements the contract of :mod:`codedcomp.runtime.backends.base` exactly as
``local`` does — same timing, faults, events and traces, hence the same answers — with Ray
actors in place of the pool's processes.

**Cluster.**  ``RayBackend(address=...)`` (``ray:address=...``) connects to an existing cluster
(``ray://host:10001``, ``host:6379`` or ``auto``; also ``RAY_ADDRESS`` from the environment).
Otherwise the first job starts a private local instance: dashboard off
(``include_dashboard=False``), usage stats off (``RAY_USAGE_STATS_ENABLED=0``), a fresh short
temp dir under ``/tmp`` (``_temp_dir``; removed at the end), ``num_cpus`` small (default
``min(4, cpu_count)``).  If Ray is already initialised in this process, that instance is used.
``shutdown()`` (also registered ``atexit``) kills the actors and then shuts Ray down — only an
instance (or connection) this backend started itself; a caller's own ``ray.init`` is left alone.
On a cluster, ``codedcomp`` (same version) and the workload's imports must be importable on every
node; functions defined in ``__main__`` travel by value (cloudpickle).

.. warning::
   **Ray's ports are not loopback-only, even for a local single-machine instance.**  Its GCS,
   raylet, object manager, worker and agent servers listen on all network interfaces
   (``0.0.0.0`` / ``*``; passing ``_node_ip_address="127.0.0.1"`` does not change that —
   measured, ``../shared/notes/runtime.md``, and checked with ``ss -ltnp`` under Ray 2.60).
   Ray 2.60 turns token authentication on for a new local instance; this backend gives its
   private instance a fresh random token (mode 0600, in its private temp dir, instead of Ray's
   default ``~/.ray/auth_token``), but the ports remain an attack surface, and a cluster you
   connect to may run without authentication (anyone who reaches its ports can run code in
   it).  Use the ``ray`` backend only on a trusted network or behind a firewall; ``local`` (the
   default) opens no port at all.

While a local instance runs, the backend sets ``RAY_USAGE_STATS_ENABLED=0`` and (unless the
caller configured Ray's authentication) ``RAY_AUTH_TOKEN_PATH``; Ray itself sets
``RAY_AUTH_MODE=token``.  ``shutdown()`` restores all three.

**Design** (the measured best of ``../shared/notes/runtime.md``: 0.8–1 ms median to collect the
first results, 5–8 ms to stop everything, versus 12 ms / 100+ ms for an actor per worker):

* **Host actors.**  ``hosts`` (default: the cluster's CPUs, at most 32) long-lived *async*
  actors (``num_cpus=host_cpus`` each, ``SPREAD`` over the nodes), reused by every job.  Each
  runs one :class:`~codedcomp.runtime.engine.Engine` on a thread — the same deadline-heap
  executor as ``local``, holding many logical workers (worker ``j`` on host ``j mod hosts``) —
  while its event loop serves the master's calls (``job``, ``go``, ``submit``, ``cancel``)
  concurrently, so a cancel never waits behind work.
* **Shipping.**  The workload is ``ray.put`` once per ``workload_key`` and its reference passed
  to a host only when that host does not hold it yet (the actor resolves it itself, so a
  workload that fails to load becomes a ``"crash"`` of each of its workers, as in ``local``);
  ``x`` is ``ray.put`` once per job.  :meth:`RayBackend.check` cloudpickles the workload before
  anything starts.
* **Streaming.**  Each host has one *streaming generator* per job (``stream``) that yields the
  engine's event batches as they come (the engine batches under a backlog, ≤ 2 ms); the master
  waits on all generators at once (``ray.wait`` on ``ObjectRefGenerator``).
* **One transport.**  Shipping, arming, polling, per-task cancellation, the crash fan-out and
  closing are :class:`~.hosted.HostedSession`'s, as for ``local`` and ``thread``; this module only
  maps its commands onto actor calls (``job`` resolves the workload, ``x`` and the job data from
  the object store, then hands the engine its commands; ``command`` passes any other) and reads
  the streams.  Job data is ``ray.put`` once per job, **one object per array**: a host fetches
  with the job only the arrays its workers' initial tasks read (``Workload.data_keys``; a
  matmul worker's own pair of operands), and any other array (a hedged copy of another worker's
  task) the first time a task reads it (:class:`_ObjectData`).  Before, every host fetched every
  worker's operands.
* **Stop protocol.**  Cancelling a streaming generator paused at a ``yield`` does not run its
  ``finally`` (measured): the work would go on.  So ``close`` sends an explicit ``cancel`` command
  to every host; the engine drops the job at once — its queued tasks included: there are no
  per-task Ray calls that could still run after a cancel — answers with the per-worker stops, and
  the generator ends after yielding them.  A host that does not answer within ``grace`` (an
  ``f_i`` that never returns) is ``ray.kill``-ed and replaced for later jobs; its workers are
  reported ``"killed"``.  Injected ``hang`` faults block nothing (the engine just stops serving
  that logical worker).
* **Dead actors.**  A host that dies (process killed, OOM, node lost) makes its generator raise
  ``RayActorError``/``ActorDiedError``: every logical worker it hosted gets a ``"crash"`` event
  (``index = -1``) at once, and the actor is replaced when the next job opens.
* **Clocks.**  Events carry the host's ``time.monotonic()``.  A host on this machine (same
  ``boot_id``, hence the same system-wide monotonic clock) needs no translation; a host on
  another node gets an offset estimated when it starts (the minimum-round-trip of a few pings,
  Cristian's method): ``t0`` is sent as ``t0 + offset`` and event times come back minus it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib
import itertools
import os
import queue
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import ray

from ...errors import check
from ...workloads.base import Workload
from .base import Backend, CloseReport, JobSpec, Session
from .hosted import HostedSession

HELLO_TIMEOUT = 60.0  # seconds a fresh host actor may take to start (worker process + imports)
OPEN_TIMEOUT = 60.0  # seconds the hosts may take to accept a job (workload transfer included)
PINGS = 7  # round trips used to estimate a remote host's clock offset
_AUTH_VARS = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")
_USAGE_VAR = "RAY_USAGE_STATS_ENABLED"


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


def _same_clock(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Do two processes share ``time.monotonic()`` (system-wide: same machine, same boot)?"""
    if a["boot_id"] and b["boot_id"]:
        return bool(a["boot_id"] == b["boot_id"])
    return bool(a["hostname"] == b["hostname"])


def _identity() -> dict[str, Any]:
    return {"boot_id": _boot_id(), "hostname": socket.gethostname(), "pid": os.getpid()}


# -- the actor (runs in a Ray worker process) -------------------------------------------------
class _ObjectData(Mapping[str, Any]):
    """A job's data on one host: ``fetched`` arrays came with the job; any other name is fetched
    from the object store (``refs``) the first time a task reads it (on a runner thread)."""

    def __init__(self, fetched: dict[str, Any], refs: dict[str, Any]) -> None:
        self._got = dict(fetched)
        self._refs = refs
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Any:
        got = self._got.get(name)
        if got is None:
            value = ray.get(self._refs[name])  # KeyError: no such array in the job's data
            with self._lock:
                got = self._got.setdefault(name, value)
        return got

    def __iter__(self) -> Iterator[str]:
        return iter(self._refs)

    def __len__(self) -> int:
        return len(self._refs)

    @property
    def fetched(self) -> list[str]:
        """The names this host holds so far."""
        return sorted(self._got)


class _Host:
    """Async host actor: one engine thread with many logical workers; see the module docstring."""

    def __init__(self) -> None:
        self._inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._queues: dict[str, asyncio.Queue[tuple[Any, ...]]] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: Any = None

    def _ensure_engine(self) -> None:
        if self._thread is not None:
            return
        from ..engine import Engine

        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(1)
        except Exception:  # optional: only limits BLAS threads
            pass
        self._loop = asyncio.get_running_loop()
        self._engine = engine = Engine(self._send, ack=True, post=self._inbox.put)
        self._thread = threading.Thread(
            target=engine.run, args=(self._get,), name="codedcomp-ray-engine", daemon=True
        )
        self._thread.start()

    def _get(self, timeout: float | None) -> tuple[Any, ...] | None:
        try:
            if timeout is not None and timeout <= 0:
                return self._inbox.get_nowait()
            return self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def _send(self, msg: tuple[Any, ...]) -> None:  # engine thread
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._route, msg)

    def _route(self, msg: tuple[Any, ...]) -> None:  # event loop
        # the job's stream may start after the engine's first message ("armed"): keep it
        self._queues.setdefault(msg[1], asyncio.Queue()).put_nowait(msg)

    async def hello(self) -> dict[str, Any]:
        self._ensure_engine()
        out = _identity()
        out["time"] = time.monotonic()
        return out

    async def clock(self) -> float:
        return time.monotonic()

    async def status(self) -> dict[str, int]:
        """Jobs the engine still holds and steps it still has scheduled (monitoring, tests)."""
        e = self._engine
        return {
            "jobs": len(e.jobs) if e else 0,
            "scheduled": len(e.heap) if e else 0,
            "commands": self._inbox.qsize(),
            "pid": os.getpid(),
        }

    async def job(self, load: tuple[Any, ...] | None, msg: tuple[Any, ...]) -> bool:
        """Resolve the object references of a job (workload, ``x``, job data), then hand the
        engine its ``load`` and ``job`` commands, in that order (one call: async actor calls
        may overtake each other while they await references)."""
        self._ensure_engine()
        if load is not None:  # ("load", key, [ref]): resolved here, a failure is reported
            try:
                payload: Any = await load[2][0]
            except Exception as e:  # becomes a "crash" of each worker
                payload = f"could not load the workload: {type(e).__name__}: {e}"
            self._inbox.put(("load", load[1], payload))
        kind, job_id, tau, key, x_box, data_box, workers, options = msg
        try:
            x = await x_box[0]
            data: Any = None
            if data_box is not None:  # (names to fetch now, every name's reference)
                names, refs = data_box
                values = await asyncio.gather(*(refs[n] for n in names))
                data = _ObjectData(dict(zip(names, values, strict=True)), refs)
        except Exception as e:  # the workers cannot run without them: each crashes
            self._inbox.put(("load", key, f"could not fetch the job's input: {_short(e)}"))
            x = data = None
        self._inbox.put((kind, job_id, tau, key, x, data, workers, options))
        return True

    async def command(self, msg: tuple[Any, ...]) -> None:
        """Any other engine command: go, submit, cancel_tasks, cancel."""
        self._inbox.put(msg)

    async def stream(self, job_id: str) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Yield batches of the engine's messages for ``job_id`` until its ``"stopped"``."""
        q = self._queues.setdefault(job_id, asyncio.Queue())
        try:
            while True:
                batch = [await q.get()]
                while not q.empty():
                    batch.append(q.get_nowait())
                yield batch
                if any(m[0] == "stopped" for m in batch):
                    return
        finally:
            self._queues.pop(job_id, None)

    async def stop(self) -> None:
        self._inbox.put(("exit",))
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 1.0)


_HostActor = ray.remote(_Host)


# -- master side ------------------------------------------------------------------------------
class _HostHandle:
    """Master-side handle of one host actor."""

    def __init__(self, actor: Any, name: str) -> None:
        self.actor = actor
        self.name = name
        self.loaded: str | None = None  # workload key it holds
        self.dead = False
        self.offset = 0.0  # host clock − master clock (0 on this machine)
        self.info: dict[str, Any] = {}

    def kill(self) -> None:
        self.dead = True
        with contextlib.suppress(Exception):
            ray.kill(self.actor, no_restart=True)


class RayBackend(Backend):
    """Logical workers on ``hosts`` long-lived Ray actors (see the module docstring).

    ``address``: an existing cluster to connect to (``None``: ``RAY_ADDRESS`` if set, else a
    Ray already initialised in this process, else a private local instance).  ``num_cpus`` and
    ``object_store_memory`` (bytes) size that local instance only.  ``hosts``: host actors
    (default: the cluster's CPUs, at most 32); ``host_cpus``: CPUs each reserves.
    """

    name = "ray"

    def __init__(
        self,
        *,
        address: str | None = None,
        hosts: int | None = None,
        num_cpus: int | None = None,
        object_store_memory: int | None = None,
        host_cpus: float = 1.0,
    ) -> None:
        check(
            "RayBackend",
            "address",
            address,
            address is None or (isinstance(address, str) and address.strip() != ""),
            "None or a non-empty string",
        )
        check(
            "RayBackend",
            "hosts",
            hosts,
            hosts is None or (isinstance(hosts, int) and hosts >= 1),
            "None or an integer >= 1",
        )
        check(
            "RayBackend",
            "num_cpus",
            num_cpus,
            num_cpus is None or (isinstance(num_cpus, int) and num_cpus >= 1),
            "None or an integer >= 1",
        )
        check(
            "RayBackend",
            "object_store_memory",
            object_store_memory,
            object_store_memory is None
            or (isinstance(object_store_memory, int) and object_store_memory >= 75 * 2**20),
            "None or an integer >= 78643200 (75 MiB, Ray's minimum)",
        )
        check(
            "RayBackend",
            "host_cpus",
            host_cpus,
            isinstance(host_cpus, (int, float)) and host_cpus >= 0,
            "a number >= 0",
        )
        self.address = address.strip() if address else None
        self.hosts = hosts
        self.num_cpus = num_cpus
        self.object_store_memory = object_store_memory
        self.host_cpus = float(host_cpus)
        self._hosts: list[_HostHandle] = []
        self._workload: tuple[str, Any] | None = None  # (key, ObjectRef)
        self._owns_ray = False  # this backend called ray.init (so it calls ray.shutdown)
        self._temp_dir: str | None = None
        self._env_saved: dict[str, str | None] = {}  # environment before the local start
        self._atexit = False
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._me = _identity()

    # -- Ray itself ------------------------------------------------------------------------
    @property
    def started_ray(self) -> bool:
        """True if this backend started (or connected) the Ray instance it uses."""
        return self._owns_ray

    def _ensure_ray(self) -> None:
        if ray.is_initialized():
            return
        address = self.address or os.environ.get("RAY_ADDRESS") or None
        if address is not None:
            ray.init(address=address, log_to_driver=False)
        else:
            self._temp_dir = tempfile.mkdtemp(prefix="ccray", dir="/tmp")  # short: socket paths
            self._env_saved = {k: os.environ.get(k) for k in (*_AUTH_VARS, _USAGE_VAR)}
            os.environ.setdefault(_USAGE_VAR, "0")
            if not any(k in os.environ for k in _AUTH_VARS):
                # Ray 2.60 turns token auth on for a new local instance (setting RAY_AUTH_MODE)
                # and would write the token to ~/.ray/auth_token; give it a private one, in the
                # private temp dir (0600), instead.
                token = os.path.join(self._temp_dir, "auth_token")
                fd = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
                os.environ["RAY_AUTH_TOKEN_PATH"] = token
            num_cpus = self.num_cpus or min(4, os.cpu_count() or 2)
            try:
                ray.init(
                    num_cpus=num_cpus,
                    object_store_memory=self.object_store_memory,
                    include_dashboard=False,
                    _temp_dir=self._temp_dir,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except BaseException:
                self._cleanup_local()
                raise
        self._owns_ray = True
        if not self._atexit:
            atexit.register(self.shutdown)
            self._atexit = True

    def _n_hosts(self) -> int:
        if self.hosts is not None:
            return self.hosts
        cpus = int(ray.cluster_resources().get("CPU", 2))
        return max(1, min(32, cpus))

    # -- pool management -------------------------------------------------------------------
    def _new_host(self) -> _HostHandle:
        actor = _HostActor.options(
            num_cpus=self.host_cpus,
            scheduling_strategy="SPREAD",
            max_restarts=0,
            max_concurrency=1000,
        ).remote()
        return _HostHandle(actor, f"codedcomp-ray-host-{next(self._ids)}")

    def _greet(self, fresh: list[_HostHandle]) -> None:
        refs = [h.actor.hello.remote() for h in fresh]
        try:
            infos = ray.get(refs, timeout=HELLO_TIMEOUT)
        except Exception as e:
            for h in fresh:
                h.kill()
            raise RuntimeError(
                f"ray backend: host actors did not start within {HELLO_TIMEOUT:g} s "
                f"({type(e).__name__}: {e}); are {self.host_cpus:g} CPU(s) free per host?"
            ) from None
        for h, info in zip(fresh, infos, strict=True):
            h.info = info
            if not _same_clock(self._me, info):
                h.offset = self._estimate_offset(h)

    @staticmethod
    def _estimate_offset(h: _HostHandle) -> float:
        best = (float("inf"), 0.0)
        for _ in range(PINGS):
            a = time.monotonic()
            t = ray.get(h.actor.clock.remote())
            b = time.monotonic()
            best = min(best, (b - a, t - (a + b) / 2))
        return best[1]

    def _ensure_hosts(self) -> list[_HostHandle]:
        with self._lock:
            self._ensure_ray()
            for h in [h for h in self._hosts if h.dead]:
                h.kill()
                self._hosts.remove(h)
            n = self._n_hosts()
            fresh = [self._new_host() for _ in range(max(0, n - len(self._hosts)))]
            if fresh:
                self._greet(fresh)
                self._hosts.extend(fresh)
            return list(self._hosts)

    def actor_pids(self) -> list[int]:
        """Process ids of the live host actors (for tests and monitoring)."""
        return [int(h.info["pid"]) for h in self._hosts if not h.dead and h.info]

    def _workload_ref(self, key: str, workload: Workload) -> Any:
        if self._workload is None or self._workload[0] != key:
            self._workload = (key, ray.put(workload))
        return self._workload[1]

    def check(self, workload: Workload) -> None:
        try:
            ray.cloudpickle.dumps(workload)
        except Exception as e:  # any pickling failure: the user's to fix
            raise ValueError(
                f"ray backend: the workload cannot be sent to Ray actors "
                f"({type(e).__name__}: {e}); use module-level functions or backend='thread'"
            ) from None

    def open(self, job: JobSpec) -> Session:
        hosts = self._ensure_hosts()
        try:
            return _RaySession(self, job, hosts)
        except _HostDied:  # a host died between jobs: replace it and ship the job again
            return _RaySession(self, job, self._ensure_hosts())

    def shutdown(self) -> None:
        with self._lock:
            hosts, self._hosts = self._hosts, []
            self._workload = None
            for h in hosts:
                h.kill()
            if self._owns_ray:
                self._owns_ray = False
                with contextlib.suppress(Exception):
                    ray.shutdown()
            self._cleanup_local()

    def _cleanup_local(self) -> None:
        """Restore the environment variables set for the local instance; remove its temp dir."""
        if self._env_saved:
            for k, v in self._env_saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            self._env_saved = {}
            with contextlib.suppress(Exception):  # forget the (now removed) private token
                raylet = importlib.import_module("ray._raylet")
                raylet.Config.initialize("")
                raylet.AuthenticationTokenLoader.instance().reset_cache()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


class _HostDied(RuntimeError):
    pass


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"[:300]


class _RaySession(HostedSession):
    """A job on the host actors, over the shared hosted-session transport (:mod:`.hosted`)."""

    per_host_data = True

    def __init__(self, backend: RayBackend, job: JobSpec, hosts: list[_HostHandle]) -> None:
        super().__init__(job, len(hosts))
        self.backend = backend
        self.hosts = hosts
        self._gens: dict[Any, int] = {}  # streaming generator -> host index
        self._loads: dict[int, tuple[Any, ...]] = {}  # load commands waiting for their job
        self._x = [ray.put(job.x)]  # once per job; boxed: the actor resolves it itself
        self._data = None  # one object per array: a host fetches what its workers read
        if job.data is not None:
            refs: dict[int, Any] = {}  # one array under several names is put once
            self._data = {}
            for name, v in job.data.items():
                if id(v) not in refs:
                    refs[id(v)] = ray.put(v)
                self._data[str(name)] = refs[id(v)]
        for k, h in enumerate(hosts):
            self._gens[h.actor.stream.remote(job.job_id)] = k
        try:
            self._ship()
            self._await_armed(OPEN_TIMEOUT)
            if any(h.dead for h in hosts):
                raise _HostDied("a Ray host actor died before the job started")
        except BaseException:
            for h in hosts:  # nothing started: drop the job wherever it was accepted
                if not h.dead:
                    with contextlib.suppress(Exception):
                        h.actor.command.remote(("cancel", job.job_id))
            raise

    # -- transport ---------------------------------------------------------------------------
    def _job_handles(self, k: int, keys: set[str] | None) -> tuple[Any, Any]:
        if self._data is None:
            return self._x, None
        names = sorted(self._data if keys is None else keys & self._data.keys())
        return self._x, (names, self._data)  # nested: the actor resolves them itself

    def _offset(self, k: int) -> float:
        return self.hosts[k].offset

    def _workload(self, k: int) -> tuple[str, tuple[Any, ...] | None]:
        key = self.job.workload_key
        if self.hosts[k].loaded == key:
            return key, None
        return key, ("load", key, [self.backend._workload_ref(key, self.job.workload)])

    def _send(self, k: int, msg: tuple[Any, ...]) -> None:
        h = self.hosts[k]
        if h.dead:
            return
        try:
            if msg[0] == "load":
                self._loads[k] = msg
            elif msg[0] == "job":
                h.actor.job.remote(self._loads.pop(k, None), msg)
            else:
                h.actor.command.remote(msg)
        except Exception as e:  # the actor is gone
            self._dead(k, e)

    def _message(self, k: int, msg: tuple[Any, ...]) -> None:
        super()._message(k, msg)
        if msg[0] == "armed" and msg[1] == self.job.job_id:
            self.hosts[k].loaded = self.job.workload_key

    def _receive(self, timeout: float | None) -> None:
        """Take what the streams have, waiting up to ``timeout`` s for the first batch."""
        if not self._gens:
            if timeout is None or timeout > 0:
                time.sleep(0.01 if timeout is None else min(timeout, 0.01))
            return
        wait = timeout
        for _ in range(64):  # bounded: a very chatty stream cannot starve the master
            gens = list(self._gens)
            if not gens:
                return
            ready, _ = ray.wait(gens, num_returns=1, timeout=wait)
            if not ready:
                return
            if len(gens) > 1:
                ready, _ = ray.wait(gens, num_returns=len(gens), timeout=0)
            for gen in ready:
                self._take(gen)
            wait = 0.0

    def _take(self, gen: Any) -> None:
        k = self._gens[gen]
        try:
            batch = ray.get(next(gen))
        except StopIteration:
            self._gens.pop(gen, None)
            if k not in self._acks and not self.hosts[k].dead:  # ended without its stops
                self._dead(k, RuntimeError("event stream ended early"))
            return
        except ray.exceptions.RayError as e:  # RayActorError / ActorDiedError / task error
            self._gens.pop(gen, None)
            self._dead(k, e)
            return
        for msg in batch:
            self._message(k, msg)
            if msg[0] == "stopped":
                self._gens.pop(gen, None)

    def _dead(self, k: int, exc: BaseException) -> None:
        h = self.hosts[k]
        h.kill()  # make sure (and free its resources); replaced when the next job opens
        self._host_dead(k, f"Ray actor {h.name} died ({_short(exc)})")

    def _alive(self, k: int) -> bool:
        return not self.hosts[k].dead

    def _reclaim(self, k: int) -> None:
        self.hosts[k].kill()  # stuck in an f_i, or never armed: killed, replaced later

    def _recycle(self, k: int) -> None:
        self.hosts[k].kill()  # its stuck threads die with it; replaced when the next job opens

    def close(self, grace: float = 2.0) -> CloseReport:
        try:
            return super().close(grace)
        except BaseException:  # interrupted mid-stop: kill what did not answer
            for k, h in enumerate(self.hosts):
                if k not in self._acks:
                    h.kill()
            raise
        finally:
            self._gens.clear()


__all__ = ["RayBackend"]
