"""Plots: latency tails P(T > t) as papers 000 and 001 draw them, and p99 latency against work.

Every scheme gets its own colour *and* marker (:func:`styles`; a colour is reused only after ten
schemes, and then with another marker), so curves stay apart in print and for colour-blind
readers.  A curve named ``"X (predicted)"`` is drawn dashed in the colour and marker of ``"X"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")


def styles(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker) per distinct base name (``"X (predicted)"`` shares ``"X"``'s)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import colormaps

    colors = [matplotlib.colors.to_hex(c) for c in colormaps["tab10"].colors]  # type: ignore[attr-defined]
    out: dict[str, tuple[str, str]] = {}
    for name in names:
        base = name.removesuffix(" (predicted)")
        if base not in out:
            k = len(out)
            out[base] = (colors[k % len(colors)], MARKERS[(k + k // len(colors)) % len(MARKERS)])
    return out


def _save(fig: Any, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=120)
    except (OSError, ValueError) as e:  # a full disk, a format matplotlib cannot write
        raise ValueError(f"plot {out}: could not write ({e})".splitlines()[0]) from None
    finally:
        plt.close(fig)
    return out


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
    style = styles(latencies)
    for name, lat in latencies.items():
        base = name.removesuffix(" (predicted)")
        color, marker = style[base]
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
        ax.step(
            t[keep],
            s[keep],
            where="post",
            label=name,
            color=color,
            linestyle="--" if base != name else "-",
            marker=marker,
            markevery=max(1, int(keep.sum()) // 6),
            markersize=5,
            fillstyle="none" if base != name else "full",
        )
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("P(T > t)")
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def work_plot(
    results: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    title: str = "",
    xlabel: str = "latency p99",
) -> Path:
    """Write a PNG of each scheme's work (units done / m) against its p99 latency.

    ``results``: result objects of ``simulate`` / ``run`` JSON (``scheme``, ``latency``,
    ``work``).  Schemes without a finite p99 or work are left out (named in the caption).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    style = styles(r["scheme"] for r in results)
    missing = []
    for r in results:
        p99 = (r.get("latency") or {}).get("p99")
        extra = (r.get("work") or {}).get("extra")
        if p99 is None or extra is None:
            missing.append(r["scheme"])
            continue
        color, marker = style[r["scheme"]]
        ax.scatter([p99], [1.0 + extra], color=color, marker=marker, s=60, label=r["scheme"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("work: units done / m (1 = no redundancy)")
    if title:
        ax.set_title(title, fontsize=10)
    if missing:
        ax.text(
            0.01,
            0.01,
            "not shown (never decoded): " + ", ".join(missing),
            transform=ax.transAxes,
            fontsize=7,
        )
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)
