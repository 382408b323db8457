"""The ``streetwise`` command line.

Exit codes: 0 success; 2 bad input (usage, missing or unreadable file, invalid YAML, schema
violation — one line naming the file, the key and the problem, no traceback); 1 an
unexpected failure.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from model.config.capacity import check_capacity, human_bytes
from model.config.errors import ConfigError
from model.config.loading import load_scenario, read_yaml
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage; the message is one line."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``; the message states that bound."""

    def parse(text: str) -> int:
        value = _whole_number(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


_non_negative_int = _at_least(0)
_positive_int = _at_least(1)

DESCRIPTION = """\
Streetwise: an agent-based model of one city street, its gig workers, residents and
community staff, and the policy levers that bring workers into community governance.

Start with:
  streetwise validate scenarios/baseline.yaml
  streetwise run scenarios/baseline.yaml --days 30
  streetwise experiment scenarios/experiments/example.yaml
  streetwise report --quick

Run `streetwise COMMAND --help` for the options of a command."""

VALIDATE_DESCRIPTION = """\
Check a file without running anything and print one line saying what was checked.
The kind is told from the file's content:
  experiment     has arms:, factorial:, worlds:, base_seed:, replications: or
                 precision: (scenarios/experiments/*.yaml); every arm's scenario, the
                 worlds: block and the uncertainties file it points to are checked, and
                 every run must fit in this machine's memory
  uncertainties  has uncertainties: or format_version: (scenarios/uncertainties.yaml);
                 every range is checked against the scenario schema and the mechanism table
  scenario       anything else (scenarios/*.yaml); --set applies to scenarios only

Examples:
  streetwise validate scenarios/baseline.yaml --set days=30
  streetwise validate scenarios/experiments/robustness.yaml
  streetwise validate scenarios/uncertainties.yaml"""

EPILOG = """\
Exit codes: 0 ok; 2 bad input (one line naming the file, the key and the problem;
nothing written); 1 an unexpected failure."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``streetwise`` and its subcommands."""
    parser = _Parser(
        prog="streetwise",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario once and print its outcomes")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--seed", type=_non_negative_int, default=0, help="run seed (default 0)")
    run.add_argument("--days", type=_positive_int, default=None, help="horizon in days")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    run.add_argument("--out", type=Path, default=None, help="write the results to this folder")

    validate = sub.add_parser(
        "validate",
        help="check a scenario, experiment or uncertainties file without running it",
        description=VALIDATE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument(
        "file", type=Path, metavar="FILE", help="scenario, experiment or uncertainties YAML file"
    )
    validate.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="scenario files only: override a value (dotted.key=value), validated like the file",
    )

    experiment = sub.add_parser(
        "experiment",
        help="run an experiment: policy arms x replications with common random numbers",
        description="Run (or resume) an experiment file; finished runs are skipped.",
    )
    experiment.add_argument("file", type=Path, help="experiment YAML file")
    experiment.add_argument(
        "--out", type=Path, default=None, help="results folder (default results/<name>/)"
    )
    experiment.add_argument(
        "--executor",
        choices=("serial", "process", "dask"),
        default=None,
        help="where runs execute (default process; dask with --scheduler)",
    )
    experiment.add_argument(
        "--workers", type=_positive_int, default=None, help="worker processes (default: cores)"
    )
    experiment.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, tcp://host:port"
    )
    experiment.add_argument(
        "--replications", type=_positive_int, default=None, help="replications per arm"
    )
    experiment.add_argument("--days", type=_positive_int, default=None, help="horizon in days")
    experiment.add_argument(
        "--keep-issue-logs", action="store_true", help="also store the issue logs"
    )
    experiment.add_argument(
        "--quiet", action="store_true", help="no progress bar, print only failures"
    )
    calibrate = sub.add_parser(
        "calibrate",
        help="compare the baseline with the empirical targets (and optionally refit)",
        description="Run the scenario over several seeds and print target | band | "
        "simulated mean [95% CI] | inside.",
    )
    calibrate.add_argument(
        "--scenario", type=Path, default=None, help="scenario (default scenarios/baseline.yaml)"
    )
    calibrate.add_argument("--seeds", type=_positive_int, default=10, help="replications")
    calibrate.add_argument("--days", type=_positive_int, default=365, help="horizon in days")
    calibrate.add_argument(
        "--workers", type=_positive_int, default=None, help="processes (default: cores)"
    )
    calibrate.add_argument(
        "--check", action="store_true", help="exit 1 when a target falls outside its band"
    )
    calibrate.add_argument(
        "--fit",
        action="store_true",
        help="rerun the documented parameter search and write scenarios/calibration/fit.json",
    )
    calibrate.add_argument("--points", type=_positive_int, default=16, help="fit: points a round")
    calibrate.add_argument("--rounds", type=_positive_int, default=2, help="fit: rounds")
    calibrate.add_argument(
        "--fit-seeds",
        type=_positive_int,
        default=None,
        help="fit and profile: seeds a point (default: the fit's FIT_SEEDS)",
    )
    calibrate.add_argument(
        "--profile",
        action="append",
        default=None,
        metavar="PARAMETER",
        help="profile the loss along a free parameter (others held at the fit; 'all' for "
        "every one; repeatable): writes scenarios/calibration/profiles/PARAMETER.json and .png "
        "and its plausible range to scenarios/calibration/plausible_ranges.yaml",
    )
    calibrate.add_argument(
        "--grid",
        type=_at_least(2),
        default=None,
        help="profile: grid values across the search range, the fitted value added (default 9)",
    )
    calibrate.add_argument(
        "--profile-out",
        type=Path,
        default=None,
        help="profile: folder of the tables, figures and plausible_ranges.yaml (default "
        "scenarios/calibration/profiles, ranges in scenarios/calibration/plausible_ranges.yaml)",
    )

    report = sub.add_parser(
        "report",
        help="run (or reuse) experiments and write the report pages and index in reports/",
        description="Run each experiment (finished runs are reused), execute the compare, "
        "factorial and scenario notebooks on its results and the calibration notebook, export "
        "self-contained HTML pages and write reports/index.html.",
    )
    report.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="EXPERIMENT.yaml",
        help="experiment files (default: the standard and factorial experiments)",
    )
    report.add_argument(
        "--results",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of the results folders (default results/; quick runs in its quick/)",
    )
    report.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="reports folder (default reports/)"
    )
    report.add_argument(
        "--quick",
        action="store_true",
        help="3 replications of 120 days (calibration 3 seeds): pages marked indicative only",
    )
    report.add_argument(
        "--lang",
        default="en",
        help="language of the pages: en, zh, or several comma-separated (en,zh); default en",
    )
    report.add_argument(
        "--arm", default=None, help="arm shown in depth (default: the top-ranked arm)"
    )
    report.add_argument(
        "--no-calibration", action="store_true", help="leave out the calibration page"
    )
    report.add_argument(
        "--sensitivity",
        action="store_true",
        help="also run the robustness and screening experiments in sampled worlds and write "
        "the sensitivity page (hours at full size; with --quick their quick versions)",
    )
    report.add_argument(
        "--executor",
        choices=("serial", "process", "dask"),
        default="process",
        help="where runs execute (default process)",
    )
    report.add_argument(
        "--workers", type=_positive_int, default=None, help="worker processes (default: cores)"
    )
    return parser


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


EXPERIMENT_MARKERS = ("arms", "factorial", "worlds", "base_seed", "replications", "precision")
"""Top-level keys that only an experiment file has (fields of ``ExperimentSpec``, none of the
scenario schema's; a test holds them to both schemas)."""

UNCERTAINTIES_MARKERS = ("uncertainties", "format_version")
"""Top-level keys that only an uncertainties file has (fields of ``UncertaintyTable``)."""


def file_kind(data: dict) -> str:
    """What a YAML mapping is, from its top-level keys: experiment, uncertainties or scenario.

    Args:
        data: the file's top-level mapping.

    Returns:
        ``"experiment"`` when it has a key of :data:`EXPERIMENT_MARKERS`, else
        ``"uncertainties"`` when it has one of :data:`UNCERTAINTIES_MARKERS`, else
        ``"scenario"``.
    """
    if any(key in data for key in EXPERIMENT_MARKERS):
        return "experiment"
    if any(key in data for key in UNCERTAINTIES_MARKERS):
        return "uncertainties"
    return "scenario"


def cmd_validate(args: argparse.Namespace) -> int:
    """``streetwise validate``: load and validate a file of any kind, print a one-line summary."""
    kind = file_kind(read_yaml(args.file))
    if kind != "scenario" and args.overrides:
        raise UsageError(
            f"streetwise validate: --set: applies to scenario files; {args.file} is an {kind} file"
        )
    if kind == "experiment":
        print(f"{args.file}: {_validate_experiment(args.file)}")
    elif kind == "uncertainties":
        print(f"{args.file}: {_validate_uncertainties(args.file)}")
    else:
        config = load_scenario(args.file, args.overrides)
        estimate = check_capacity(config, source=str(args.file))
        print(
            f"{args.file}: valid scenario {config.name!r} ({config.days} days measured "
            f"after {config.warmup_days} days of warm-up; a run needs about "
            f"{human_bytes(estimate.total)} of memory)"
        )
    return EXIT_OK


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _validate_experiment(path: Path) -> str:
    """Load an experiment as ``streetwise experiment`` would, and say what it runs.

    The experiment loader checks the file, the worlds block, its uncertainties file and every
    arm's scenario; the runner's capacity check (default executor) checks memory.

    Returns:
        ``a valid experiment: 14 arms x 128 worlds (lhs over 18 parameters of FILE) x 1
        replication = 1,792 runs, 365 days``.

    Raises:
        ConfigError: one line naming the file, the key and the problem.
    """
    from model.experiments.design import load_experiment
    from model.experiments.runner import check_capacity_of_experiment

    experiment = load_experiment(path)
    check_capacity_of_experiment(experiment, "process", None, None)
    spec = experiment.spec
    worlds = experiment.worlds
    listed = len(spec.arms)
    if worlds is not None:
        arms = f"{_plural(listed, 'arm')} x {_plural(worlds.rows, 'world')}"
        size = {
            "lhs": "",
            "morris": f", {worlds.n:,} trajectories",  # a morris design has n >= 2
            "sobol": f", base sample {worlds.n:,}",
        }[worlds.design]
        arms += (
            f" ({worlds.design}{size} over {_plural(len(worlds.parameters), 'parameter')}"
            f" of {worlds.uncertainties_file})"
        )
    elif spec.factorial is not None:
        levers = _plural(len(spec.factorial.levers), "lever")
        own = f"{listed:,} listed and " if listed else ""
        arms = f"{_plural(len(experiment.arms), 'arm')} ({own}a full factorial over {levers})"
    else:
        arms = _plural(len(experiment.arms), "arm")
    if spec.precision is not None:
        low, high = spec.precision.min_replications, spec.precision.max_replications
        runs = f"{low * len(experiment.arms):,} to {high * len(experiment.arms):,} runs"
        target = spec.precision
        replications = (
            f"{low:,} to {high:,} replications (adaptive, until the {target.confidence:.0%} "
            f"half-widths on {target.outcome} are at most {target.relative_half_width:.0%} of "
            "the reference's mean)"
        )
    else:
        runs = _plural(spec.replications * len(experiment.arms), "run")
        replications = _plural(spec.replications, "replication")
    return f"a valid experiment: {arms} x {replications} = {runs}, {_plural(spec.days, 'day')}"


def _validate_uncertainties(path: Path) -> str:
    """Load an uncertainties file with its own loader and say what it holds.

    Returns:
        ``a valid uncertainties file: 18 parameters (6 mechanisms, ...), every range ...``.

    Raises:
        ConfigError: one line naming the file, the key and the problem.
    """
    from model.config.uncertainties import BASES, load_uncertainties

    table = load_uncertainties(path)
    bases = [entry.basis for entry in table]
    counts = ", ".join(f"{bases.count(basis)} {basis}" for basis in BASES if basis in bases)
    return (
        f"a valid uncertainties file: {_plural(len(bases), 'parameter')} (basis: {counts}); every "
        "range contains the status-quo default and is accepted by the scenario schema"
    )


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
    from model.reporting import pipeline
    from model.reporting.notebooks import REPORTS

    reports_root = args.out or REPORTS
    check_writable_dir(reports_root)
    plans = pipeline.plan(
        args.files,
        results_root=args.results,
        reports_root=reports_root,
        quick=args.quick,
        arm=args.arm,
        lang=args.lang,
    )
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


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "validate": cmd_validate,
    "experiment": cmd_experiment,
    "calibrate": cmd_calibrate,
    "report": cmd_report,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``streetwise`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError(
                "streetwise: a command is required (run, validate, experiment, calibrate, report)"
            )
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:
        print(f"unexpected failure: {error.__class__.__name__}: {error}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
