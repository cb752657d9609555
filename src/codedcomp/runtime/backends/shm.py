"""Job data in shared memory for the ``local`` backend: written once, mapped by every host.

A job's data (a mapping of names to numpy arrays: the encoded operands of every worker, say) is
written by the master into **one** file in ``/dev/shm`` (a RAM-backed file system; the system
temp dir where there is none), each array at a 64-byte aligned offset.  Hosts receive only a
small descriptor ``("shm", path, layout)`` and map the arrays read-only (``numpy.memmap``): no
array is pickled, per task or per host.  The master removes the file when the job's session
closes (a host that still maps it keeps its pages until it unmaps them), and a backend that
starts removes the files of dead masters (the master's pid is in the name), so nothing leaks
even after a ``kill -9``.

**Large results travel the same way back** (:func:`spill`): a host's result array of at least
``SPILL_BYTES`` is written, on the runner thread right after its computation (inside the task's
window, like the computation itself), into its own file named after the master; what crosses the
pipe is only the file's name, and unpickling it on the master maps the file copy-on-write and
unlinks it at once.  A spilled result the host drops (a cancelled task) unlinks its file when it
is garbage-collected; files of a master that died are removed like job data, and
:func:`remove_results` removes what a host that was killed or stopped left behind (named by its
pid).  Without this a MatDot worker's 16 MiB complex product was pickled through the host's pipe
(~40 ms each, one after another), which the delay model does not see.  The master holds at most
``MAX_MAPPED`` results as maps (each holds a file descriptor) and reads any further ones.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import sys
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

PREFIX = "codedcomp-"
ALIGN = 64
SPILL_BYTES = 1 << 20  # results at least this large travel in shared memory, not the pipe


def _root() -> Path:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


class SharedArrays:
    """The master's side: one file holding every array of ``arrays``."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.path = str(_root() / f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}")
        layout: dict[str, tuple[int, str, tuple[int, ...]]] = {}
        offset = 0
        first: dict[int, tuple[str, Any]] = {}  # one array under several names is written once
        items = []
        for k, v in arrays.items():
            name = str(k)
            if id(v) in first:
                layout[name] = layout[first[id(v)][0]]
                continue
            first[id(v)] = (name, v)  # holds v: its id cannot be reused by a later value
            arr = np.ascontiguousarray(v)
            if arr.dtype.hasobject:
                raise ValueError(f"job data {name!r}: object arrays cannot be shared")
            layout[name] = (offset, arr.dtype.str, tuple(arr.shape))
            offset += -(-max(arr.nbytes, 1) // ALIGN) * ALIGN
            items.append((name, arr))
        self.layout = layout
        self.nbytes = offset
        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        try:
            os.ftruncate(fd, max(offset, 1))
            with os.fdopen(fd, "r+b", closefd=False) as f:
                for name, arr in items:
                    f.seek(layout[name][0])
                    arr.tofile(f)  # straight from the array's buffer (tobytes() copied it first)
        finally:
            os.close(fd)

    def descriptor(self) -> tuple[str, str, dict[str, tuple[int, str, tuple[int, ...]]]]:
        return ("shm", self.path, self.layout)

    def unlink(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def attach(descriptor: Any) -> dict[str, np.ndarray]:
    """The hosts' side: map every array of a descriptor read-only."""
    kind, path, layout = descriptor
    if kind != "shm":
        raise ValueError(f"unknown job-data handle {kind!r}")
    return {
        name: np.memmap(path, mode="r", dtype=np.dtype(dt), offset=off, shape=tuple(shape))
        for name, (off, dt, shape) in layout.items()
    }


def remove_stale() -> int:
    """Remove job-data files whose master process is gone; how many were removed."""
    removed = 0
    for p in _root().glob(f"{PREFIX}*"):
        try:
            pid = int(p.name[len(PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            p.unlink()
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:  # not a process (os.kill(0, ...) would signal our own process group)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Spilled:
    """A host's large result in its own shared-memory file; pickles as the file's name.

    Pickling (sending it to the master) hands the file over; one never sent unlinks its file
    when it is collected.  Files are named after the master and the host
    (``codedcomp-<master pid>-r<host pid>-…``), so a host's leftovers can be removed by pid.
    """

    __slots__ = ("dtype", "path", "sent", "shape")

    def __init__(self, arr: np.ndarray, master: int) -> None:
        arr = np.ascontiguousarray(arr)
        self.path = str(_root() / f"{PREFIX}{master}-r{os.getpid()}-{uuid.uuid4().hex[:12]}")
        self.dtype = arr.dtype.str
        self.shape = tuple(arr.shape)
        self.sent = False
        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                arr.tofile(f)
        except BaseException:
            self.unlink()
            raise

    def __reduce__(self) -> tuple[Any, ...]:
        self.sent = True
        return (_unspill, (self.path, self.dtype, self.shape))

    def unlink(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    def __del__(self) -> None:
        if not self.sent:
            self.unlink()


def spill(value: Any, master: int | None = None) -> Any:
    """``value`` as a :class:`Spilled` file if it is a large plain numeric array, else unchanged
    (subclasses such as masked arrays travel pickled: they carry more than their buffer)."""
    if type(value) is np.ndarray and value.nbytes >= SPILL_BYTES and value.dtype.kind in "biufc":
        return Spilled(value, os.getppid() if master is None else master)
    return value


MAX_MAPPED = 256  # results held as maps at once (each holds a file descriptor); then copies
_mapped = 0
_mapped_lock = threading.Lock()


def _unmapped() -> None:
    global _mapped
    with _mapped_lock:
        _mapped -= 1


def _unspill(path: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """The master's side of :class:`Spilled`: map the file copy-on-write (or, past
    ``MAX_MAPPED`` live maps, read it into memory: a map holds a file descriptor), then unlink
    it."""
    global _mapped
    dt = np.dtype(dtype)
    try:
        with _mapped_lock:
            mapped = _mapped < MAX_MAPPED
            _mapped += mapped
        if not mapped:
            return np.fromfile(path, dtype=dt).reshape(shape)
        try:
            mm = np.memmap(path, mode="c", dtype=dt, shape=shape)
        except BaseException:
            _unmapped()
            raise
        weakref.finalize(mm, _unmapped)  # when the last view of the map is gone
        _populate(mm)
        return np.asarray(mm)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


_MADV_POPULATE_READ = 22  # Linux ≥ 5.14 (``mmap`` names it only on newer Pythons)


def _populate(mm: np.memmap) -> None:
    """Map every page of a result now, on its arrival, not on the decoder's first touch: a
    MatDot product at n = 2048 is 16,384 pages of 4 KiB (/dev/shm has no huge pages), and
    faulting them in cost the decode about a quarter of its read time (measured: a 64 MiB read
    9.7 ms from a fresh map, 1.7 ms to populate it + 7.0 ms to read).  Best effort: an older
    kernel refuses the advice and the pages fault in as before."""
    raw = getattr(mm, "_mmap", None)
    if raw is not None and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            raw.madvise(getattr(mmap, "MADV_POPULATE_READ", _MADV_POPULATE_READ))


def remove_results(hosts: Iterable[int | None]) -> int:
    """Remove results that the given host processes (pids) spilled for this master and never
    sent — they are dead or stopped, so nothing will ever read them; how many were removed."""
    removed = 0
    for pid in hosts:
        if pid is None:
            continue
        for p in _root().glob(f"{PREFIX}{os.getpid()}-r{pid}-*"):
            with contextlib.suppress(OSError):
                p.unlink()
                removed += 1
    return removed
