"""The ``streetwise`` command line.

- :mod:`model.cli.parser`: the commands, their options and the exit codes;
- :mod:`model.cli.validate`: ``streetwise validate``;
- :mod:`model.cli.commands`: ``run``, ``experiment``, ``calibrate`` and ``report``;
- here: :func:`main`, which parses and dispatches; bad input gives one line and exit 2.

Exit codes: 0 success; 2 bad input (usage, missing or unreadable file, invalid YAML, schema
violation — one line naming the file, the key and the problem, no traceback); 1 an
unexpected failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from model.cli.commands import (
    cmd_calibrate,
    cmd_experiment,
    cmd_report,
    cmd_run,
    format_outcomes,
)
from model.cli.parser import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, UsageError, build_parser
from model.cli.validate import (
    EXPERIMENT_MARKERS,
    UNCERTAINTIES_MARKERS,
    cmd_validate,
    file_kind,
)
from model.config.errors import ConfigError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXPERIMENT_MARKERS",
    "UNCERTAINTIES_MARKERS",
    "UsageError",
    "build_parser",
    "file_kind",
    "format_outcomes",
    "main",
]

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
