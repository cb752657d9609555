"""Traces: the simulator replays a real run's injected delays and plans and agrees with it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rt_helpers import Poly

import codedcomp
from codedcomp.delays import delay
from codedcomp.runtime import replay
from codedcomp.runtime.trace import load_traces


@pytest.mark.parametrize("spec", ["uncoded", "rep:r=2", "lt:r=1", "sr:d=2"])
def test_replay_reproduces_decode_point(spec: str, thread_backend: object, tmp_path: Path) -> None:
    # delays far apart relative to timing noise (tau = 5 ms per unit) so arrival order is clear
    rep = codedcomp.run(
        Poly(16),
        scheme=[spec],
        backend=thread_backend,
        workers=16,
        delay="exp:rate=10",
        tau=0.005,
        trials=2,
        seed=11,
        timeout=20,
    )
    path = tmp_path / "trace.json"
    rep.write_traces(str(path))
    doc = load_traces(path)
    replayed = replay(doc)
    for tr, again in zip(doc["trials"], replayed, strict=True):
        assert again["received"] == tr["predicted"]["received"]
        assert again["latency"] == pytest.approx(tr["predicted"]["latency"])
        assert tr["received"] == again["received"]  # the real run stopped where the sim says
        assert tr["latency"] == pytest.approx(again["latency"], abs=0.01)
        assert len(tr["workers"]) == 16
    # trace:PATH reads exactly the injected delays back
    model = delay(f"trace:{path}")
    rows = {tuple(np.round(r, 12)) for r in model.rows}
    for tr in doc["trials"]:
        assert tuple(np.round([w["injected_delay"] for w in tr["workers"]], 12)) in rows


def test_trace_records_each_worker(thread_backend: object) -> None:
    res = codedcomp.run(
        Poly(8), scheme="rep:r=2", backend=thread_backend, delay="exp:rate=20", tau=0.002, seed=4
    )
    tr = res.traces[0]
    doc = json.loads(json.dumps(tr.to_json()))
    assert doc["decoded"] and doc["latency"] > 0 and doc["received"] >= 4
    x = np.array([w["injected_delay"] for w in doc["workers"]])
    for w in doc["workers"]:
        assert set(w) >= {"injected_delay", "start", "tasks", "failures", "cancelled", "state"}
        for t in w["tasks"]:
            # task completes at start + X_j + tau * cost (eq. 4), to timing noise
            assert t["done"] == pytest.approx(w["injected_delay"] + 0.002 * t["cost"], abs=0.02)
            assert t["arrived"] >= t["done"]
    # the slow replica of each pair was cancelled (or finished before the stop)
    assert sum(len(w["cancelled"]) for w in doc["workers"]) + doc["received"] == 8
    assert x.shape == (8,)


@pytest.mark.parametrize(
    "spec", ["one", "uncoded", "rep:r=2", "bcc:d=4", "lt:r=1", "lt:r=2", "sr:d=10", "sr:d=4,k=8"]
)
def test_runtime_prediction_is_simulate_delays(spec: str) -> None:
    """``run``'s prediction path (``simulate_one`` on one trial's delays and stream) gives what
    the simulator gives for the same trial: identical latency, received count and work."""
    from codedcomp.codes.sums import scheme
    from codedcomp.core import JobContext
    from codedcomp.rng import root_sequence, trial_sequence
    from codedcomp.sim.oneshot import sample_delays, simulate_delays, simulate_one

    root = root_sequence(5)
    X = sample_delays(delay("exp:rate=5"), 64, 4, root)
    s = scheme(spec)
    sim = simulate_delays([s], x=X, m=64, tau=0.01, seed=root).results[0]
    ctx = JobContext(m=64, workers=64, tau=0.01)
    for t in range(4):
        out = simulate_one(s, ctx=ctx, x=X[t], seq=trial_sequence(root, t))
        assert out.latency == sim.latency[t] and out.received == sim.received[t]
        assert out.work == sim.work[t]


def test_prediction_gap_compares_the_same_trials() -> None:
    from codedcomp.runtime.api import RunResult

    inf = float("inf")
    r = RunResult(
        scheme="x",
        values=[None] * 3,
        latencies=np.array([1.0, 2.0, inf]),  # trial 2 never decoded
        predicted=np.array([1.1, inf, 9.0]),  # trial 1 predicted not decodable
        predicted_received=np.zeros(3, dtype=np.int64),
        received=np.zeros(3, dtype=np.int64),
        errors=[None, None, "no"],
        relative_errors=np.full(3, np.nan),
    )
    assert r.to_json()["prediction_gap"] == pytest.approx(0.1)  # trial 0 only
    r.predicted = np.array([inf, inf, 9.0])
    assert r.to_json()["prediction_gap"] is None
