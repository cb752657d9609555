"""The core's books and rules: unique task ids, values of the decoder's kind (no silent cast),
canonical random streams, and no import cycle between the CLI and the library."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import codedcomp
from codedcomp.core import Event, Job, JobContext, StaticPolicy, Task, ValueCheck, coerce


def _static(spec: str = "uncoded", m: int = 4) -> StaticPolicy:
    s = codedcomp.scheme(spec)
    return StaticPolicy(s, s.plan(m, m, np.random.default_rng(0)))


def test_values_of_a_real_decoder_are_real_float64() -> None:
    assert coerce(3, "real").dtype == np.float64
    assert coerce(np.array([1, 2], dtype=np.int32), "real").dtype == np.float64
    assert coerce(True, "real") == 1.0
    with pytest.raises(TypeError, match="complex value"):
        coerce(1 + 2j, "real")
    with pytest.raises(TypeError, match="returned None"):
        coerce(None, "real")
    with pytest.raises(TypeError, match="not a number or array"):
        coerce("text", "real")
    assert coerce(1 + 2j, "complex") == 1 + 2j
    assert coerce(2, "complex").dtype == np.float64  # a real value is not widened
    assert coerce(np.ones(2, dtype=np.complex64), "complex").dtype == np.complex128
    obj = object()
    assert coerce(obj, "any") is obj


def test_a_complex_result_is_refused_naming_worker_and_task() -> None:
    job = Job(_static(), 4)
    job.begin()
    job.deliver(Event("result", 0, 0, 0.1, np.ones(2)), 0.1)
    with pytest.raises(ValueError, match=r"uncoded: worker 1, task 1 returned a complex value"):
        job.deliver(Event("result", 1, 1, 0.2, np.ones(2) * 1j), 0.2)


def test_results_must_share_one_shape() -> None:
    check = ValueCheck("real", "sr:d=2")
    check(np.zeros(3), 0, 5)
    with pytest.raises(ValueError, match=r"worker 2, task 9 returned shape \(\), but worker 0"):
        check(1.0, 2, 9)


def test_the_sums_decoder_never_casts_silently() -> None:
    s = codedcomp.scheme("uncoded")
    dec = s.decoder(s.plan(2, 2, np.random.default_rng(0)))
    with pytest.raises(TypeError, match="complex"):
        dec.add_task(0, np.array([1j]))


def test_task_ids_are_unique_per_job() -> None:
    pol = _static()
    job = Job(pol, 4)
    job.begin()

    def again(event: Event, now: float):  # type: ignore[no-untyped-def]
        from codedcomp.core import Actions

        return Actions().add(1, Task(0, None, 1.0))  # id 0 is taken

    pol.on_event = again  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="task id 0 submitted twice"):
        job.deliver(Event("start", 0, -1, 0.0), 0.0)


def test_a_copy_refers_to_its_original() -> None:
    t = Task(3, np.array([3]), 1.0)
    c = t.copy(10)
    assert (c.id, c.origin, c.unit, c.cost) == (10, 3, 3, 1.0)
    assert c.copy(11).origin == 3  # a copy of a copy stands for the same unit


@pytest.mark.parametrize(
    ("a", "b"),
    [("lt", "lt:r=1"), ("sr:d=4", "sr:d=+4"), ("lt:c=0.03", "lt"), ("rep", "rep:r=2")],
)
def test_streams_are_named_by_the_canonical_spec(a: str, b: str) -> None:
    sa, sb = codedcomp.scheme(a), codedcomp.scheme(b)
    assert sa.canonical == sb.canonical and sa.label != sb.label
    kw = dict(m=60, tau=0.005, delay="exp:rate=0.2", trials=5, seed=11)
    ra = codedcomp.simulate([a], **kw).results[0]  # type: ignore[arg-type]
    rb = codedcomp.simulate([b], **kw).results[0]  # type: ignore[arg-type]
    np.testing.assert_array_equal(ra.latency, rb.latency)
    assert (ra.scheme, rb.scheme) == (a, b)  # results keep the spec as typed


def test_canonical_float_keeps_every_digit() -> None:
    assert codedcomp.scheme("lt:c=0.030000001").canonical == "lt:c=0.030000001"


def test_policy_context_reaches_every_scheme() -> None:
    ctx = JobContext(m=10, workers=5, tau=0.1, executor="run")
    pol = codedcomp.scheme("ideal").policy(ctx, np.random.default_rng(0))
    assert pol.depth == 2  # type: ignore[attr-defined]
    pol = codedcomp.scheme("ideal").policy(JobContext(m=10, workers=5, tau=0.1), None)  # type: ignore[arg-type]
    assert pol.depth == 1  # type: ignore[attr-defined]


def test_no_import_cycle_between_cli_and_library() -> None:
    code = (
        "import sys, codedcomp.runtime, codedcomp.sim, codedcomp.experiments, codedcomp.core; "
        "assert not [m for m in sys.modules if m.startswith('codedcomp.cli')], 'cli imported'; "
        "import codedcomp.cli"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
