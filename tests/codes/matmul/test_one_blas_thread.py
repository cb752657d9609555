"""``one_blas_thread`` blocks opened by overlapping threads restore BLAS's own setting."""

from __future__ import annotations

import os
import threading
from types import SimpleNamespace

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from codedcomp.codes.matmul import base
from codedcomp.codes.matmul.base import one_blas_thread


def _blas_threads() -> set[int]:
    return {int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"}


def test_overlapping_blocks_restore_the_setting_found_by_the_first() -> None:
    with threadpool_limits(limits=2, user_api="blas"):  # a setting the limit visibly changes
        assert _blas_threads() == {2}
        entered, x_left, y_may_leave = threading.Event(), threading.Event(), threading.Event()
        inside: list[set[int]] = []

        def y() -> None:  # enters after X, leaves after X
            with one_blas_thread():
                entered.set()
                x_left.wait(10)
                inside.append(_blas_threads())
                y_may_leave.wait(10)

        with one_blas_thread():  # X
            assert _blas_threads() == {1}
            t = threading.Thread(target=y)
            t.start()
            assert entered.wait(10)
        x_left.set()
        y_may_leave.set()
        t.join(10)
        assert inside == [{1}]  # Y's block still limits BLAS after X's closed
        assert _blas_threads() == {2}  # the last to close restored what X found
        with one_blas_thread():  # nested in one thread, too
            with one_blas_thread():
                pass
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}


def test_a_block_in_a_second_thread_limits_blas_too() -> None:
    with threadpool_limits(limits=2, user_api="blas"):  # this thread set a limit first
        inside: list[set[int]] = []

        def block() -> None:
            with one_blas_thread():
                inside.append(_blas_threads())

        t = threading.Thread(target=block)
        t.start()
        t.join(10)
        assert inside == [{1}]
        assert _blas_threads() == {2}


def test_an_exception_in_the_block_still_restores() -> None:
    with threadpool_limits(limits=2, user_api="blas"):
        try:
            with one_blas_thread():
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert _blas_threads() == {2}


class _PerThreadBlas:
    """A BLAS whose thread count is per thread (OpenBLAS built on OpenMP)."""

    user_api, threading_layer = "blas", "openmp"

    def __init__(self) -> None:
        self.local = threading.local()

    def get_num_threads(self) -> int:
        return int(getattr(self.local, "n", 2))

    def set_num_threads(self, n: int) -> None:
        self.local.n = n


def test_a_per_thread_library_is_limited_and_restored_by_each_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lib = _PerThreadBlas()
    monkeypatch.setattr(base, "_controller", lambda: SimpleNamespace(lib_controllers=[lib]))
    x_in, y_in, x_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def x() -> None:
        with one_blas_thread():
            x_in.set()
            y_in.wait(10)
        x_out.set()
        seen["X after"] = lib.get_num_threads()

    def y() -> None:
        x_in.wait(10)
        with one_blas_thread():
            seen["Y inside"] = lib.get_num_threads()
            y_in.set()
            x_out.wait(10)
        seen["Y after"] = lib.get_num_threads()

    threads = [threading.Thread(target=x), threading.Thread(target=y)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"Y inside": 1, "X after": 2, "Y after": 2}


def test_lincomb_runs_its_blas_calls_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    real = base._dgemv()
    assert real is not None
    seen: list[set[int]] = []

    def recording(*args: object) -> None:
        seen.append(_blas_threads())
        real(*args)

    monkeypatch.setattr(base, "_dgemv", lambda: recording)
    rng = np.random.default_rng(0)
    vecs = [rng.standard_normal(1000) + 1j * rng.standard_normal(1000) for _ in range(2)]
    with threadpool_limits(limits=2, user_api="blas"):
        base.lincomb(np.array([[1.0 + 2j, 0.5]]), vecs, real_part=True, imag=False)
        assert _blas_threads() == {2}
    assert seen and all(s == {1} for s in seen)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_a_child_forked_while_a_block_is_open_starts_afresh() -> None:
    opened, release = threading.Event(), threading.Event()

    def hold() -> None:
        with one_blas_thread():
            opened.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    assert opened.wait(10)
    try:
        pid = os.fork()
        if pid == 0:  # the child: no block of its own is open, and the lock is free
            ok = base._BLAS_DEPTH == 0 and not base._BLAS_SAVED
            with one_blas_thread():
                ok = ok and base._BLAS_DEPTH == 1
            os._exit(0 if ok and base._BLAS_DEPTH == 0 else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        t.join(10)
