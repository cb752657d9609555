"""Workload shipping: a workload changed between runs is never run stale (was: identity cache)."""

from __future__ import annotations

import functools
import threading

import numpy as np
import pytest
from rt_helpers import make_policy

import codedcomp
from codedcomp.codes.sums import scheme
from codedcomp.runtime.master import execute
from codedcomp.workloads.base import FunctionList


def test_mutated_function_list_is_reshipped(any_backend: object) -> None:
    wl = FunctionList([lambda x, i=i: x * i for i in range(8)], 2.0)
    first = codedcomp.run(wl, scheme="uncoded", backend=any_backend, seed=0)
    assert float(first.value) == pytest.approx(56.0)
    wl.functions = [lambda x, i=i: x * i * i + 1 for i in range(8)]  # same object, new content
    second = codedcomp.run(wl, scheme="uncoded", backend=any_backend, seed=0)
    assert float(second.value) == pytest.approx(2.0 * sum(i * i for i in range(8)) + 8)
    assert second.relative_errors[0] <= 1e-12


def test_execute_without_key_ships_the_current_workload(any_backend: object) -> None:
    x = np.arange(3.0)
    mutated = FunctionList([lambda x, i=i: x + i for i in range(8)], x)
    policy = make_policy(scheme("uncoded"), 8, 8, np.random.default_rng(0))
    ex = execute(policy, backend=any_backend, workload=mutated, x=x, delays=np.zeros(8), tau=0.0)
    np.testing.assert_allclose(ex.value, 8 * x + 28)
    mutated.functions = [lambda x, i=i: 2 * x for i in range(8)]
    policy = make_policy(scheme("uncoded"), 8, 8, np.random.default_rng(0))
    ex = execute(policy, backend=any_backend, workload=mutated, x=x, delays=np.zeros(8), tau=0.0)
    np.testing.assert_allclose(ex.value, 16 * x)


def test_check_error_off_skips_the_master_side_reference() -> None:
    """``check_error=False``: F(x) is not evaluated on the master (a function that must only
    run on workers is never called there), and the error is reported as unknown."""
    master = threading.get_ident()

    def f(x: float, i: int = 0) -> float:
        assert threading.get_ident() != master, "evaluated on the master"
        return x + i

    fns = [functools.partial(f, i=i) for i in range(6)]
    res = codedcomp.run(fns, 1.0, scheme="uncoded", backend="thread", seed=0, check_error=False)
    assert res.values[0] == pytest.approx(6 * 1.0 + 15)
    assert np.isnan(res.relative_errors[0])


def _one(x: float) -> float:
    return 1.0


def test_wasted_work_is_over_decoded_trials_only() -> None:
    res = codedcomp.run(
        [_one] * 4,
        0.0,
        scheme="uncoded",
        backend="thread",
        seed=0,
        fail="crash:p=1.0",
        on_error="record",
        timeout=5,
    )
    assert res.failures == 1
    assert res.to_json()["wasted_work"] is None
