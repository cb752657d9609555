"""A hung call costs one worker, never its neighbours and never the caller (reliability)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from rt_helpers import AlwaysHangs, AlwaysRaises, HangOnce, Poly

import codedcomp
from codedcomp.errors import NotDecodableError

M = 32


def _silent(trace) -> list[int]:  # type: ignore[no-untyped-def]
    """Workers that delivered nothing and reported no error: silent."""
    return [
        w.worker
        for w in trace.workers
        if not any("done" in t for t in w.tasks) and not w.failures and w.state != "crashed"
    ]


@pytest.mark.parametrize("backend", ["thread_backend", "local_backend"])
def test_one_hung_call_costs_only_its_own_task(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    be = request.getfixturevalue(backend)
    wl = HangOnce(M, bad=7, marker=str(tmp_path / "hung"), seconds=20)
    t = time.monotonic()
    res = codedcomp.run(
        wl,
        scheme="uncoded",
        backend=be,
        tau=0.005,
        seed=0,
        timeout=10,
        task_timeout=0.5,
        on_error="record",
    )
    assert time.monotonic() - t < 8  # not the 20 s of the hung call, nor the 10 s timeout
    tr = res.traces[0]
    # uncoded cannot decode without f_7: but only worker 7 failed, and it said why
    (fail,) = [f for w in tr.workers for f in w.failures]
    assert fail["index"] == 7 and fail["error"].startswith("hung: no return after 0.5 s")
    assert _silent(tr) == []  # its neighbours on the same host delivered (was: 3 of 32 silent)
    assert sum("done" in t for w in tr.workers for t in w.tasks) == M - 1


@pytest.mark.parametrize("spec", ["sr:d=4", "lt:r=1", "rep:r=2", "ideal"])
def test_codes_and_the_pull_queue_decode_through_a_transient_hang(
    spec: str, local_backend: object, tmp_path: Path
) -> None:
    wl = HangOnce(M, bad=7, marker=str(tmp_path / "hung"), seconds=20)
    res = codedcomp.run(
        wl,
        scheme=spec,
        backend=local_backend,
        tau=0.005,
        delay="exp:rate=50",
        seed=1,
        timeout=15,
        task_timeout=0.5,
    )
    assert res.relative_errors[0] <= 1e-9
    assert res.latencies[0] < 3


def test_ideal_reissues_units_of_silent_workers(local_backend: object) -> None:
    res = codedcomp.run(
        Poly(M),
        scheme="ideal",
        backend=local_backend,
        tau=0.005,
        delay="exp:rate=50",
        fail="hang:p=0.2",
        trials=3,
        seed=4,
        timeout=20,
        task_timeout=0.4,
    )
    assert res.failures == 0 and np.all(res.relative_errors <= 1e-9)
    assert sum(w.fault is not None for tr in res.traces for w in tr.workers) > 0


def test_a_function_that_always_raises_gives_not_decodable_like_check_error_off() -> None:
    for check in (True, False):
        with pytest.raises(NotDecodableError, match="RuntimeError: always broken"):
            codedcomp.run(
                AlwaysRaises(6), scheme="uncoded", backend="thread", seed=0, check_error=check
            )


def test_the_caller_never_hangs_on_its_reference() -> None:
    t = time.monotonic()
    res = codedcomp.run(
        AlwaysHangs(4, seconds=30),
        scheme="uncoded",
        backend="thread",
        seed=0,
        timeout=1.0,
        task_timeout=0.5,
        on_error="record",
    )
    assert time.monotonic() - t < 6
    assert res.failures == 1  # NotDecodable after the timeout, as with check_error=False
    assert np.isnan(res.relative_errors[0])


@pytest.mark.parametrize("backend", ["thread_backend", "local_backend"])
def test_neighbours_of_a_hung_call_carry_on_at_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """They do not wait for the call to be declared hung: a further runner thread takes them."""
    be = request.getfixturevalue(backend)
    wl = HangOnce(M, bad=7, marker=str(tmp_path / "hung"), seconds=20)
    res = codedcomp.run(
        wl,
        scheme="uncoded",
        backend=be,
        tau=0.005,
        seed=0,
        timeout=10,
        task_timeout=4.0,
        on_error="record",
    )
    tr = res.traces[0]
    arrived = [t["arrived"] for w in tr.workers for t in w.tasks if "done" in t]
    assert len(arrived) == M - 1
    assert max(arrived) < 1.0  # all 31 others long before the 4 s limit on the hung one
