"""``summary.md`` / ``summary.json`` of a reproduction: the paper's numbers and claims beside ours.

STYLE.md: "A reproduced figure states, beside our number, the paper's number and the relative
difference."  A :class:`Number` pairs a value the paper gives (a closed form at its setting, a
bound, M' = 1400, ...) with ours and their relative difference; a :class:`Claim` is a statement of
the paper checked against our data with a verdict computed from it — **reproduced** or
**NOT reproduced** — and the evidence.  Both papers (000, 001) state few numbers: most of what
they say is qualitative, so most of a summary is claims.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def fmt(x: float | None, digits: int = 4) -> str:
    """A number for a table: 4 significant digits, ``∞`` for infinity, ``—`` for none."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def rel_diff(ours: float | None, paper: float | None) -> float | None:
    """(ours − paper)/|paper|, or ``None`` where either is missing or the paper's is 0/∞."""
    if ours is None or paper is None or paper == 0 or not math.isfinite(paper):
        return None
    if not math.isfinite(ours):
        return None
    return (ours - paper) / abs(paper)


@dataclass
class Number:
    """A number the paper gives beside ours.

    ``kind`` says what the paper's number is: ``"exact"`` (a closed form, compared by relative
    difference), ``"upper bound"`` (ours must not exceed it: ``check`` says whether it holds), or
    ``"reported"`` (a value measured in the paper, e.g. M' = 1400).
    """

    quantity: str
    paper: float | None
    paper_text: str
    ours: float | None
    ours_text: str
    kind: str = "exact"
    check: str = ""

    @property
    def rel_diff(self) -> float | None:
        return rel_diff(self.ours, self.paper)


@dataclass
class Claim:
    """A statement of the paper, and whether our data reproduce it (computed, never asserted)."""

    source: str
    text: str
    holds: bool
    evidence: str

    @property
    def verdict(self) -> str:
        return "reproduced" if self.holds else "NOT reproduced"


@dataclass
class Table:
    title: str
    header: Sequence[str]
    rows: list[Sequence[str]]
    note: str = ""


@dataclass
class Summary:
    name: str
    paper: str
    figure: str
    title: str
    quick: bool = False
    seed: int = 0
    setup: list[str] = field(default_factory=list)
    numbers: list[Number] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    elapsed: float | None = None
    command: str = ""

    # ------------------------------------------------------------------ building

    def claim(self, source: str, text: str, holds: bool, evidence: str) -> Claim:
        c = Claim(source, text, bool(holds), evidence)
        self.claims.append(c)
        return c

    def number(self, *args: Any, **kwargs: Any) -> Number:
        n = Number(*args, **kwargs)
        self.numbers.append(n)
        return n

    def table(
        self, title: str, header: Sequence[str], rows: Iterable[Sequence[str]], note: str = ""
    ) -> None:
        self.tables.append(Table(title, list(header), [list(r) for r in rows], note))

    # ------------------------------------------------------------------ output

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "paper": self.paper,
            "figure": self.figure,
            "title": self.title,
            "quick": self.quick,
            "seed": self.seed,
            "command": self.command,
            "elapsed_s": self.elapsed,
            "setup": self.setup,
            "numbers": [asdict(n) | {"rel_diff": n.rel_diff} for n in self.numbers],
            "claims": [asdict(c) | {"verdict": c.verdict} for c in self.claims],
            "notes": self.notes,
            "files": self.files,
        }

    def to_markdown(self) -> str:
        out = [f"# `{self.name}` — paper {self.paper}, {self.figure}", "", f"*{self.title}*", ""]
        if self.quick:
            out += [
                "> **Quick run** (`--quick`): reduced size for smoke tests. The paper's numbers "
                "below are quoted at the paper's setting; comparisons with them are not "
                "meaningful at this size. Run without `--quick` for the reproduction.",
                "",
            ]
        ran = f" — ran in {self.elapsed:.1f} s" if self.elapsed is not None else ""
        out += [f"Regenerate: `{self.command}`{ran} (seed {self.seed}).", ""]
        if self.setup:
            out += ["## Setup", "", *[f"- {s}" for s in self.setup], ""]
        if self.numbers:
            out += [
                "## The paper's numbers beside ours",
                "",
                "| quantity | paper | ours | rel. diff | check |",
                "|---|---|---|---|---|",
            ]
            for n in self.numbers:
                rd = n.rel_diff
                out.append(
                    f"| {n.quantity} | {n.paper_text} | {n.ours_text} | "
                    f"{'—' if rd is None else f'{100 * rd:+.1f} %'} | {n.check or '—'} |"
                )
            out.append("")
        for t in self.tables:
            out += [
                f"## {t.title}",
                "",
                "| " + " | ".join(t.header) + " |",
                "|" + "---|" * len(t.header),
            ]
            out += ["| " + " | ".join(r) + " |" for r in t.rows]
            out += ["", t.note, ""] if t.note else [""]
        if self.claims:
            n_ok = sum(c.holds for c in self.claims)
            out += [
                f"## The paper's claims ({n_ok} of {len(self.claims)} reproduced)",
                "",
                "| # | claim (source) | verdict | evidence |",
                "|---|---|---|---|",
            ]
            for i, c in enumerate(self.claims, 1):
                verdict = "reproduced" if c.holds else "**NOT reproduced**"
                out.append(f"| {i} | “{c.text}” ({c.source}) | {verdict} | {c.evidence} |")
            out.append("")
        if self.notes:
            out += ["## Notes and gaps", "", *[f"- {s}" for s in self.notes], ""]
        if self.files:
            out += ["## Files", "", *[f"- `{f}`" for f in self.files], ""]
        return "\n".join(out)

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for f in ("summary.md", "summary.json"):
            if f not in self.files:
                self.files.append(f)
        (out / "summary.md").write_text(self.to_markdown())
        (out / "summary.json").write_text(
            json.dumps(self.to_json(), indent=2, default=float) + "\n"
        )


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """A CSV with a header line; floats written with full precision (``inf`` = never decoded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow([repr(float(v)) if isinstance(v, float) else v for v in row])
    return path


def _headline(n: dict[str, Any]) -> str:
    ours = fmt(n["ours"])
    if n["kind"] == "upper bound":
        ok = n["ours"] is not None and n["paper"] is not None and n["ours"] <= n["paper"]
        return f"{n['quantity']}: ≤ {fmt(n['paper'])} (bound) → {ours} {'✓' if ok else '✗'}"
    rd = n.get("rel_diff")
    pct = "" if rd is None else f" ({100 * rd:+.1f} %)"
    return f"{n['quantity']}: {fmt(n['paper'])} → {ours}{pct}"


def write_index(root: str | Path) -> Path:
    """Write ``root/README.md``: an index of the reproductions found in ``root/*/summary.json``.

    Lists each experiment with the command that regenerated it, its run time, its claims
    reproduced and the paper's numbers beside ours; then every claim not reproduced.
    """
    root = Path(root)
    docs = [json.loads(p.read_text()) for p in sorted(root.glob("*/summary.json"))]
    if not docs:
        raise ValueError(f"reproduce --index: no */summary.json under {root}")
    out = [
        "# Paper reproductions",
        "",
        "Each directory holds one reproduction: the per-trial CSV, the PNG, `summary.md` (the "
        "paper's numbers and claims beside ours, with verdicts) and `summary.json`. This index is "
        f"generated from them by `codedcomp reproduce --index {root}`. Times are the "
        "experiment's wall time on the machine that ran it (2 cores), without CLI start-up.",
        "",
        "| experiment | paper | command | time | claims reproduced | paper → ours |",
        "|---|---|---|---|---|---|",
    ]
    missed = []
    for d in docs:
        claims = d["claims"]
        ok = sum(c["holds"] for c in claims)
        heads = "; ".join(_headline(n) for n in d["numbers"]) or "— (no numbers in the paper)"
        quick = " (quick)" if d["quick"] else ""
        out.append(
            f"| [{d['name']}]({d['name']}/summary.md){quick} | {d['paper'].split(' ')[0]} "
            f"{d['figure']} | `{d['command']}` | {d['elapsed_s']:.1f} s | {ok} of {len(claims)} "
            f"| {heads} |"
        )
        missed += [(d["name"], c) for c in claims if not c["holds"]]
    out += ["", "## Claims not reproduced", ""]
    if not missed:
        out.append("None.")
    for name, c in missed:
        out.append(f"- **{name}** — “{c['text']}” ({c['source']}): {c['evidence']}")
    out.append("")
    path = root / "README.md"
    path.write_text("\n".join(out))
    return path
