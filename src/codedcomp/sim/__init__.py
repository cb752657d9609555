"""Monte Carlo executors: drive schemes' plans and decoders with sampled delays (no values)."""

from .oneshot import (
    SchemeResult,
    SimResult,
    latency_stats,
    simulate,
    simulate_delays,
    simulate_trial,
)

__all__ = [
    "SchemeResult",
    "SimResult",
    "latency_stats",
    "simulate",
    "simulate_delays",
    "simulate_trial",
]
