"""Latency tail plots P(T > t) per scheme on a log y-axis, as papers 000 and 001 draw them.

A curve named ``"X (predicted)"`` is drawn dashed in the colour of curve ``"X"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np


def tail_plot(
    latencies: Mapping[str, np.ndarray],
    path: str | Path,
    *,
    title: str = "",
    xlabel: str = "latency t",
) -> Path:
    """Write a PNG of the empirical P(T > t) of each named latency sample; return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    colors: dict[str, str] = {}
    cycle = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4)
    for name, lat in latencies.items():
        # "X (predicted)" is drawn dashed in X's colour, so each prediction sits by its measurement
        base = name.removesuffix(" (predicted)")
        color = colors.setdefault(base, next(cycle))
        lat = np.asarray(lat, dtype=float)
        n = lat.size
        ok = np.sort(lat[np.isfinite(lat)])
        if ok.size == 0 or n == 0:
            continue
        # P(T > t) just after each sorted sample; the last point would be 0 on a log scale
        surv = 1.0 - np.arange(1, ok.size + 1) / n
        t = np.concatenate(([ok[0]], ok))
        s = np.concatenate(([1.0], surv))
        keep = s > 0
        style = "--" if base != name else "-"
        ax.step(t[keep], s[keep], where="post", label=name, color=color, linestyle=style)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("P(T > t)")
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
