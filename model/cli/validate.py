"""``streetwise validate``: check a scenario, an experiment or an uncertainties file.

The kind is told from the file's content and each kind is checked with its own loader; one
line says what was checked, bad input one line naming the file, the key and the problem.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli.parser import EXIT_OK, UsageError
from model.config.capacity import check_capacity, human_bytes
from model.config.loading import load_scenario, read_yaml

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
