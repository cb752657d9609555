"""``codedcomp reproduce codes-vs-copies``: codes vs hedging vs speculation, simulated and real."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from codedcomp.cli import app


def test_quick_comparison_writes_tables_plots_and_computed_verdicts(tmp_path: Path) -> None:
    out = tmp_path / "cvc"
    res = CliRunner().invoke(
        app, ["reproduce", "codes-vs-copies", "--quick", "--out", str(out), "--seed", "1"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "summary.json").read_text())
    for f in doc["files"]:
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    assert sum(f.endswith("-work.png") for f in doc["files"]) == 5  # 3 simulated + 2 real
    md = (out / "summary.md").read_text()
    for spec in ("hedge:after=p95", "speculate", "sr:d=10", "lt:r=1", "uncoded"):
        assert f"`{spec}`" in md
    where = {c["source"] for c in doc["claims"]}
    assert {"simulated, Exp(0.2)", "simulated, Pareto(1, 1)", "real, Exp(5)"} <= where
    for c in doc["claims"]:  # every verdict carries the numbers it was computed from
        assert c["evidence"] and isinstance(c["holds"], bool)
    # real answers are exact whatever the scheme (a verdict that must hold)
    exact = [c for c in doc["claims"] if "exact" in c["text"]]
    assert exact and all(c["holds"] for c in exact)
