"""The ``streetwise`` commands that run models.

``run`` (one scenario), ``experiment`` (arms x replications, resumable), ``calibrate`` (the
calibration table, the fit, the profiles) and ``report`` (experiments -> notebooks -> pages).
"""

from __future__ import annotations

import argparse
import io
import math

from model.cli.parser import EXIT_FAILURE, EXIT_OK, UsageError
from model.config.capacity import check_capacity
from model.config.loading import load_scenario, read_yaml
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig


def format_outcomes(outcomes: dict[str, float]) -> str:
    """The outcome table as aligned text."""
    width = max(len(name) for name in outcomes)
    lines = [f"{'outcome':<{width}}  value", f"{'-' * width}  {'-' * 14}"]
    for name, value in outcomes.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            text = "n/a"
        elif name.endswith(("_share", "_rate", "_turnover", "belonging")):
            text = f"{value:.3f}"
        elif name.endswith("_yuan"):
            text = f"{value:,.0f}"
        elif float(value).is_integer():
            text = f"{int(value)}"
        else:
            text = f"{value:.2f}"
        lines.append(f"{name:<{width}}  {text}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """``streetwise run``: one run, outcome table on stdout, files with ``--out``."""
    from model.experiments.store import check_writable_dir, write_run
    from model.sim.model import run_model

    config: ScenarioConfig = load_scenario(args.scenario, args.overrides)
    if args.out is not None:
        check_writable_dir(args.out)
    days = args.days if args.days is not None else config.days
    check_capacity(config, days=days, source=str(args.scenario))
    output = run_model(config, seed=args.seed, days=days)
    print(f"scenario {config.name!r}, seed {args.seed}, {days} days")
    print(format_outcomes(output.outcomes))
    if args.out is not None:
        write_run(args.out, config, output, seed=args.seed, days=days)
        print(
            f"wrote {args.out}/: outcomes.json, daily.parquet, issues.parquet, "
            "reports.parquet, config.json"
        )
    return EXIT_OK


def cmd_experiment(args: argparse.Namespace) -> int:
    """``streetwise experiment``: run or resume an experiment; exit 1 if any run failed."""
    from model.experiments.runner import run_experiment

    executor = args.executor or ("dask" if args.scheduler else "process")
    result = run_experiment(
        args.file,
        executor=executor,
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        replications=args.replications,
        days=args.days,
        keep_issue_logs=args.keep_issue_logs,
        quiet=args.quiet,
    )
    return EXIT_OK if result.ok else EXIT_FAILURE


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``streetwise calibrate``: the calibration table; ``--fit`` reruns the search first.

    ``--profile`` profiles the loss along free parameters instead of printing the table.
    """
    from model.experiments.calibration.fit import FIT_FILE, FIT_SEEDS, fit, save_fit
    from model.experiments.calibration.table import calibration_table, format_table

    path = args.scenario or REPO_ROOT / "scenarios" / "baseline.yaml"
    config = load_scenario(path)
    check_capacity(config, days=args.days, source=str(path))
    fit_seeds = args.fit_seeds or FIT_SEEDS
    parameters = _profile_parameters(args.profile) if args.profile else []
    if args.profile_out is not None:
        from model.experiments.store import check_writable_dir

        check_writable_dir(args.profile_out)
    if args.fit:
        result = fit(
            points=args.points,
            rounds=args.rounds,
            seeds=fit_seeds,
            days=args.days,
            workers=args.workers,
        )
        save_fit(result)
        print(f"best point (loss {result['loss']:.4f}), written to {FIT_FILE}:")
        for key, value in result["best"].items():
            print(f"  {key} = {value}")
        print("copy these into the defaults of model/config/, then run `make docs`")
        config = load_scenario(path, [f"{k}={v!r}" for k, v in result["best"].items()])
    if parameters:
        _run_profiles(args, read_yaml(path), parameters, fit_seeds)
        return EXIT_OK
    print(f"scenario {config.name!r}: {args.seeds} replications of {args.days} days")
    rows = calibration_table(config, seeds=args.seeds, days=args.days, workers=args.workers)
    print(format_table(rows))
    if args.check and not all(row.inside for row in rows):
        return EXIT_FAILURE
    return EXIT_OK


def _profile_parameters(names: list[str]) -> list[str]:
    """The free parameters named by ``--profile`` ('all': every one), in the fit's order."""
    from model.experiments.calibration.fit import FREE_PARAMETERS

    if "all" in names:
        return list(FREE_PARAMETERS)
    unknown = [name for name in names if name not in FREE_PARAMETERS]
    if unknown:
        raise UsageError(
            f"--profile: {unknown[0]!r} is not a free parameter of the fit "
            f"(one of: all, {', '.join(FREE_PARAMETERS)})"
        )
    return list(dict.fromkeys(names))


def _run_profiles(
    args: argparse.Namespace, scenario: dict, parameters: list[str], seeds: int
) -> None:
    """Profile each parameter around the stored fit; write table, figure and plausible range.

    The runs are the scenario (``--scenario``, default the status quo) with every free
    parameter at its fitted value but the profiled one.
    """
    from model.experiments.calibration import profile as profiles
    from model.experiments.calibration.fit import load_fit, run_scorer
    from model.experiments.executors import make_executor
    from model.experiments.store import atomic_write_bytes
    from model.reporting import figures
    from model.reporting.text import Text

    fitted = load_fit()["best"]
    points = args.grid or profiles.PROFILE_GRID
    folder = args.profile_out or profiles.PROFILE_DIR
    ranges_file = (
        args.profile_out / "plausible_ranges.yaml"
        if args.profile_out
        else profiles.PLAUSIBLE_RANGES_FILE
    )
    runs = profiles.profile_runs(parameters, fitted, points, seeds)
    print(f"profiling {len(parameters)} parameter(s): {runs} runs of {args.days} days "
          f"({seeds} seeds a grid value)", flush=True)  # fmt: skip
    settings = {
        "seeds": seeds,
        "seed_list": list(range(seeds)),
        "days": args.days,
        "scenario": str(args.scenario or "scenarios/baseline.yaml"),
    }
    serial = args.workers == 1
    with make_executor("serial" if serial else "process", args.workers) as executor:
        scorer = run_scorer(list(range(seeds)), args.days, executor, base=scenario)
        for parameter in parameters:
            result = profiles.profile(
                parameter, fitted, scorer, points, settings=settings, progress=True
            )
            table = profiles.save_profile(result, folder)
            figure, _ = figures.loss_profile(result, Text("en"))
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            atomic_write_bytes(table.with_suffix(".png"), buffer.getvalue())
            profiles.update_plausible_ranges(result, ranges_file, table=table)
            low, high = result.plausible_range()
            print(f"{parameter}: plausible {low:g} .. {high:g} (fitted {result.held[parameter]:g},"
                  f" minimum loss {result.minimum:.4f}, threshold {result.threshold:.4f});"
                  f" {result.noise.summary()}", flush=True)  # fmt: skip
    print(f"profiles in {folder}; plausible ranges in {ranges_file}")


def cmd_report(args: argparse.Namespace) -> int:
    """``streetwise report``: experiments -> notebooks -> HTML pages and ``reports/index.html``."""
    from model.experiments.store import check_writable_dir
    from model.reporting.report_plan import REPORTS, plan

    reports_root = args.out or REPORTS
    check_writable_dir(reports_root)
    plans = plan(
        args.files,
        results_root=args.results,
        reports_root=reports_root,
        quick=args.quick,
        arm=args.arm,
        lang=args.lang,
    )
    from model.reporting import pipeline  # the notebooks and pages: only once the input is good

    pipeline.run_reports(
        plans,
        reports_root=reports_root,
        quick=args.quick,
        arm=args.arm,
        lang=args.lang,
        calibration=not args.no_calibration,
        sensitivity=args.sensitivity,
        results_root=args.results,
        executor=args.executor,
        workers=args.workers,
    )
    return EXIT_OK
