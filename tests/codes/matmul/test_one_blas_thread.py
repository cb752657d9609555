"""``one_blas_thread`` blocks opened by overlapping threads restore BLAS's own setting."""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_info, threadpool_limits

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
