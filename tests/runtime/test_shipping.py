"""Workload shipping: a workload changed between runs is never run stale (was: identity cache)."""

from __future__ import annotations

import numpy as np
import pytest

import codedcomp
from codedcomp.codes.sums import scheme
from codedcomp.runtime.master import execute
from codedcomp.runtime.policy import make_policy
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
