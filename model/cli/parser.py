"""The ``streetwise`` command line's grammar: its parser, usage errors and exit codes.

Exit codes: 0 success; 2 bad input (usage, missing or unreadable file, invalid YAML, schema
violation — one line naming the file, the key and the problem, no traceback); 1 an
unexpected failure.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

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
