"""``codedcomp run``: real coded execution of a workload, several schemes compared (DESIGN.md CLI).

``codedcomp run WORKLOAD --scheme SPEC... --workers P --delay SPEC --tau T --trials N
--backend local|thread|ray [--m M] [--plot PATH] [--plot-work PATH] [--json PATH] [--seed S]
[--timeout S] [--fail SPEC]... [--trace-out PATH]``

Every scheme runs ``N`` trials under the same injected delays, inputs and faults per trial
(common random numbers); the table and JSON set the measured latency beside the simulator's
prediction for the same delays and plans.  ``--scheme`` takes several specs
(``--scheme uncoded sr:d=2``: extra words after the workload are schemes too; none: the
workload family's ``DEFAULT_SCHEMES``).  Specs are read in the workload's family (sums, matmul,
inference: :mod:`codedcomp.codes.families`).  ``m`` (number of
functions) defaults to the number of workers, 16.  All specs and sizes are checked before any
worker starts: a bad one prints one line and exits 2; a trial that cannot decode exits 3 after
the results are written.  With ``--json -`` stdout holds only the JSON (table on stderr).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ..errors import MAX_M, check_number
from .common import (
    WORK_COLUMNS,
    JsonOpt,
    SeedOpt,
    err,
    output_path,
    progress_bar,
    stats_table,
    user_errors,
    with_work,
    write_json,
)
from .common import console as make_console
from .common import fail as cli_fail

DEFAULT_WORKERS = 16


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to ``app``."""

    @app.command("run")
    def run_command(
        workload: Annotated[
            list[str],
            typer.Argument(
                help="Workload spec (e.g. kernel-sum, taylor:function=sin); further words are "
                "more scheme specs.",
                metavar="WORKLOAD [SCHEME...]",
            ),
        ],
        scheme: Annotated[
            list[str] | None,
            typer.Option(
                "--scheme", help="Scheme spec(s): uncoded rep:r=2 lt:r=1 sr:d=10 ideal ..."
            ),
        ] = None,
        workers: Annotated[
            int, typer.Option("--workers", help="Logical workers P.")
        ] = DEFAULT_WORKERS,
        m: Annotated[
            int | None,
            typer.Option(
                "--m",
                help="Units of work m: functions f_i (sums), one whole product (matmul); "
                "default: workers. Inference: m = k, fixed.",
            ),
        ] = None,
        delay: Annotated[
            str,
            typer.Option(
                "--delay", help="Injected initial delay X_j, e.g. exp:rate=5 (none: natural)."
            ),
        ] = "none",
        tau: Annotated[
            float,
            typer.Option(
                "--tau", help="Seconds per unit of work each task is padded to (0: no padding)."
            ),
        ] = 0.0,
        trials: Annotated[int, typer.Option("--trials", help="Trials per scheme.")] = 1,
        backend: Annotated[
            str, typer.Option("--backend", help="local (process pool), thread, or ray.")
        ] = "local",
        ray_address: Annotated[
            str | None,
            typer.Option(
                "--ray-address",
                help="Connect to an existing Ray cluster (implies --backend ray).",
            ),
        ] = None,
        fail: Annotated[
            list[str] | None,
            typer.Option(
                "--fail", help="Injected faults: crash:p=0.1, hang:p=0.1, raise:p=0.1 (repeatable)."
            ),
        ] = None,
        timeout: Annotated[
            float, typer.Option("--timeout", help="Seconds per trial before giving up.")
        ] = 60.0,
        task_timeout: Annotated[
            float | None,
            typer.Option(
                "--task-timeout",
                help="Seconds one task may run before it is abandoned as hung (its worker goes "
                "on; default: 10 × its padded window, >= 1 s).",
            ),
        ] = None,
        seed: SeedOpt = None,
        json_path: JsonOpt = None,
        plot: Annotated[
            Path | None,
            typer.Option(
                "--plot", help="Write measured (and predicted) P(T > t) per scheme (PNG)."
            ),
        ] = None,
        plot_work: Annotated[
            Path | None,
            typer.Option(
                "--plot-work", help="Write measured p99 latency against work per scheme (PNG)."
            ),
        ] = None,
        trace_out: Annotated[
            Path | None,
            typer.Option(
                "--trace-out", help="Write every trial's trace (JSON; readable as trace:PATH)."
            ),
        ] = None,
    ) -> None:
        """Execute a workload for real with coded schemes; measured vs predicted latency."""
        from ..runtime.api import execute_prepared, prepare
        from ..runtime.backends import backend as get_backend

        specs = list(scheme or []) + workload[1:]
        if ray_address is not None:
            if backend not in ("local", "ray"):
                cli_fail(f"--ray-address needs --backend ray, not --backend {backend}")
            backend = f"ray:address={ray_address}"
        with user_errors():
            json_out = None if json_path == "-" else output_path("--json", json_path)
            plot = output_path("--plot", plot, plot=True)
            plot_work = output_path("--plot-work", plot_work, plot=True)
            trace_out = output_path("--trace-out", trace_out)
            check_number("run", "workers", workers, low=1, high=MAX_M, integer=True)
            from ..codes.families import DEFAULT_SCHEMES, resolve
            from ..delays import delay as make_delay
            from ..runtime.faults import parse_faults

            try:
                from ..workloads import family_of, make_workload
            except ImportError:
                cli_fail("workloads are not available in this installation")
            family = family_of(workload[0])  # specs are read in the workload's family
            if not specs:  # the family's uncoded baseline and one code
                specs = list(DEFAULT_SCHEMES.get(family, ("uncoded",)))
            objs = [resolve(s, family) for s in specs]  # names first: cheap, one-line errors
            make_delay(delay)
            parse_faults(fail)
            get_backend(backend)
            n = workers if m is None else m
            wl = make_workload(workload[0], m=n, seed=seed)
            prepared = prepare(
                wl,
                scheme=objs,
                backend=backend,
                workers=workers,
                delay=delay,
                tau=tau,
                trials=trials,
                seed=seed,
                timeout=timeout,
                fail=fail,
                workload_spec=workload[0],
                task_timeout=task_timeout,
            )
        quiet = json_path == "-"
        try:
            with user_errors(), progress_bar(trials * len(objs), "running", not quiet) as advance:
                report = execute_prepared(prepared, progress=advance)  # a bad value: one line
        except KeyboardInterrupt as e:
            partial = getattr(e, "report", None)
            done = "" if partial is None else partial.config.get("interrupted_after_trials", "")
            note = f" after {done} complete trial(s)" if done != "" else ""
            if partial is not None and json_path is not None:
                try:
                    write_json(partial.to_json(), json_out if json_path != "-" else "-")
                    note += f", written to {json_path}"
                except ValueError:
                    pass
            from ..runtime.backends import shutdown

            shutdown()
            err.print(f"interrupted{note}: all workers stopped", highlight=False)
            raise typer.Exit(130) from None
        finally:
            from ..runtime.backends import shutdown

            shutdown()  # stop pools and any Ray instance we started before printing
        doc = report.to_json()
        console = make_console(stderr=quiet)
        console.print(
            stats_table(
                f"run {workload[0]}: m={prepared.m}, P={prepared.workers}, τ={tau}, delay={delay}, "
                f"{trials} trial(s), backend={prepared.backend}",
                [_row(r) for r in doc["results"]],
                extra=[
                    ("predicted", "predicted mean"),
                    ("rel_error", "error"),
                    *(QUERY_COLUMNS if prepared.workload.family == "inference" else []),
                    *WORK_COLUMNS,
                ],
            )
        )
        for r in doc["results"]:
            if r.get("machine_bound"):
                err.print(f"note: {r['machine_bound']}", highlight=False, soft_wrap=True)
        title = f"{workload[0]}: m={prepared.m}, P={prepared.workers}, τ={tau}, {delay}"
        with user_errors():
            write_json(doc, json_out if json_path != "-" else "-")
            if trace_out is not None:
                report.write_traces(str(trace_out))
                err.print(f"traces: {trace_out}")
            if plot is not None:
                from ..sim.plot import tail_plot

                curves: dict[str, np.ndarray] = {}
                xlabel = "latency t (s)"
                for r in report.results:
                    measured: np.ndarray = r.latencies
                    predicted: np.ndarray | None = r.predicted
                    q, pq = r.query_latencies, r.predicted_query_latencies
                    if q is not None:  # jobs serving several answers: each query's latency
                        measured, predicted, xlabel = q, pq, "per-query latency t (s)"
                    curves[r.scheme] = measured
                    if predicted is not None and np.isfinite(predicted).any():
                        curves[f"{r.scheme} (predicted)"] = predicted
                out = tail_plot(curves, plot, title=title, xlabel=xlabel)
                err.print(f"plot: {out}")
            if plot_work is not None:
                from ..sim.plot import work_plot

                out = work_plot(doc["results"], plot_work, title=title, xlabel="latency p99 (s)")
                err.print(f"work plot: {out}")
        msg = report.first_error()
        if msg is not None:
            cli_fail(msg, 3)


# inference: each query's latency and the accuracy of the answers served, beside the group's
QUERY_COLUMNS = [("query_p50", "query p50"), ("query_p99", "query p99"), ("accuracy", "accuracy")]


def _row(r: dict[str, Any]) -> dict[str, Any]:
    out = with_work(r)
    out["predicted"] = r["predicted_latency"]["mean"]
    out["rel_error"] = r["error"]
    if "query_latency" in r:
        out["query_p50"] = r["query_latency"]["p50"]
        out["query_p99"] = r["query_latency"]["p99"]
        out["accuracy"] = (r["accuracy"] or {}).get("served")
    return out
