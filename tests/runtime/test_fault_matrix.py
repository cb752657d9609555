"""The fault matrix of issue 13, small and fast: every scheme × crash / hang / raise.

Injected faults are erasures.  Whatever a fault costs, a trial either decodes to the exact F(x)
or fails with a one-line reason (``NotDecodableError`` material) — never a wrong answer, never a
hang past the run's timeout.  Matrix multiplication codes are in it too (a crashed worker's
product is an erasure of the code).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from rt_helpers import Poly

import codedcomp
from codedcomp.workloads import make_workload

SUMS = ["one", "uncoded", "rep:r=2", "bcc:d=2", "lt:r=1", "lt:r=2", "sr:d=2", "sr:d=2,k=4"]
SUMS += ["ideal", "hedge:after=p95", "speculate"]
MATMUL = ["matdot:m=2", "polynomial:x=2,y=2", "approx-matdot:m=2", "rep:r=2", "uncoded"]
FAULTS = ["crash:p=0.15", "hang:p=0.15", "raise:p=0.15"]
TIMEOUT = 1.5


def _check(report: object, bound: float, elapsed: float, trials: int) -> int:
    decoded = 0
    for r in report.results:  # type: ignore[attr-defined]
        for t in range(trials):
            value, err, rel = r.values[t], r.errors[t], r.relative_errors[t]
            if err is None:  # decoded: exactly right (or ε-close for approximate codes)
                assert value is not None and rel <= bound, (r.scheme, t, rel)
                decoded += 1
            else:  # failed: said so in one line, and no value to misuse
                assert value is None and "\n" not in err and err.strip(), (r.scheme, err)
    # every trial of every scheme within its timeout (plus start-up), never a hang
    assert elapsed < len(report.results) * trials * (TIMEOUT + 1)  # type: ignore[attr-defined]
    return decoded


@pytest.mark.parametrize("fault", FAULTS)
def test_sums_schemes_under_faults_never_answer_wrong(fault: str, thread_backend: object) -> None:
    t0 = time.monotonic()
    rep = codedcomp.run(
        Poly(12),
        scheme=SUMS,
        backend=thread_backend,
        workers=12,
        delay="exp:rate=100",
        tau=0.001,
        trials=3,
        seed=4,
        fail=fault,
        timeout=TIMEOUT,
        task_timeout=0.3,
        on_error="record",
    )
    decoded = _check(rep, 1e-9, time.monotonic() - t0, 3)
    assert decoded >= len(SUMS)  # the redundant schemes decode through most faults


@pytest.mark.parametrize("fault", FAULTS)
def test_matmul_codes_under_faults_never_answer_wrong(fault: str, thread_backend: object) -> None:
    t0 = time.monotonic()
    rep = codedcomp.run(
        make_workload("matmul:n=24", m=8, seed=1),
        scheme=MATMUL,
        backend=thread_backend,
        workers=8,
        delay="exp:rate=100",
        tau=0.001,
        trials=3,
        seed=4,
        fail=fault,
        timeout=TIMEOUT,
        task_timeout=0.3,
        on_error="record",
    )
    decoded = _check(rep, 1e-2, time.monotonic() - t0, 3)
    assert decoded >= len(MATMUL)
    exact = [r for r in rep.results if r.scheme != "approx-matdot:m=2"]
    for r in exact:
        ok = np.isfinite(r.relative_errors)
        assert np.all(r.relative_errors[ok] <= 1e-10), r.scheme
