"""What ``streetwise report`` will do, checked before anything runs.

:func:`plan` reads the experiment files, the language and the arm of the scenario page and
decides the results and report folders; every problem is a
:class:`~model.config.errors.ConfigError` (one line naming the file or option). It needs
only the experiment design and the list of languages, so the command line checks its input
here before it imports the pipeline's notebooks and pages (:mod:`model.reporting.pipeline`),
and a mistyped option is answered in about a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.experiments.design import Experiment, load_experiment
from model.reporting.text import available_languages

REPORTS = REPO_ROOT / "reports"
"""Default folder of the report pages (``reports/index.html`` lists them)."""

DEFAULT_EXPERIMENTS = (
    REPO_ROOT / "scenarios" / "experiments" / "standard.yaml",
    REPO_ROOT / "scenarios" / "experiments" / "factorial.yaml",
)
"""What ``make report`` reports on (besides the calibration)."""

EXPERIMENTS = REPO_ROOT / "scenarios" / "experiments"

SENSITIVITY_EXPERIMENTS = {
    "robustness": EXPERIMENTS / "robustness.yaml",
    "screening": EXPERIMENTS / "screening.yaml",
    "sobol": EXPERIMENTS / "sobol.yaml",
}
"""Experiments in sampled worlds of the full sensitivity page (only with ``sensitivity``)."""

QUICK_SENSITIVITY_EXPERIMENTS = {
    "robustness": EXPERIMENTS / "robustness_quick.yaml",
    "screening": EXPERIMENTS / "screening_quick.yaml",
    "sobol": EXPERIMENTS / "sobol_quick.yaml",
}
"""Their quick versions (a quick run with ``sensitivity``)."""

RESULTS = Path("results")
"""Default results folder of full runs (that of ``streetwise experiment``)."""

QUICK_FOLDER = "quick"
"""Subfolder of the results and reports folders that holds quick runs."""

QUICK_REPLICATIONS = 3
"""Replications per arm of a quick run."""

QUICK_DAYS = 120
"""Horizon of a quick run (days)."""

CALIBRATION_SEEDS, CALIBRATION_DAYS = 10, 365
"""Replications and horizon of the full calibration page."""

QUICK_CALIBRATION_SEEDS = 3
"""Replications of the quick calibration page (horizon :data:`QUICK_DAYS`)."""


@dataclass(frozen=True)
class ExperimentReport:
    """What the pipeline does for one experiment file.

    Attributes:
        file: the experiment file.
        experiment: the validated experiment (horizon and replications as they will run).
        results: its results folder.
        out: its report folder.
    """

    file: Path
    experiment: Experiment
    results: Path
    out: Path

    @property
    def name(self) -> str:
        """Experiment name."""
        return self.experiment.name

    @property
    def factorial(self) -> bool:
        """The experiment has a factorial block (it gets the factorial page)."""
        return self.experiment.spec.factorial is not None


def plan(
    files: Sequence[Path | str],
    *,
    results_root: Path | str | None = None,
    reports_root: Path | str = REPORTS,
    quick: bool = False,
    arm: str | None = None,
    lang: str = "en",
) -> list[ExperimentReport]:
    """Check the input and decide the folders, before anything runs.

    Args:
        files: experiment files (default :data:`DEFAULT_EXPERIMENTS` when empty).
        results_root: folder of the results folders (default ``results/``); a quick run
            uses its ``quick/`` subfolder.
        reports_root: folder of the report folders; a quick run uses its ``quick/``
            subfolder.
        quick: reduced replications and horizon.
        arm: the arm of the scenario page (must be an arm of every experiment).
        lang: language of the pages.

    Returns:
        One entry per experiment, in the given order.

    Raises:
        ConfigError: a missing or invalid experiment file, an unknown language, an arm that
            an experiment does not have, or two files of the same experiment name.
    """
    languages = available_languages()
    for code in page_languages(lang):
        if code not in languages:
            raise ConfigError(
                f"--lang: unknown language {code!r} (available: {', '.join(languages)})"
            )
    results_root = Path(results_root) if results_root is not None else RESULTS
    reports_root = Path(reports_root)
    if quick:
        results_root, reports_root = results_root / QUICK_FOLDER, reports_root / QUICK_FOLDER
    planned: list[ExperimentReport] = []
    for given in files or DEFAULT_EXPERIMENTS:
        path = Path(given)
        if not path.is_file():
            raise ConfigError(f"{path}: experiment file not found")
        experiment = load_experiment(
            path,
            days=QUICK_DAYS if quick else None,
            replications=QUICK_REPLICATIONS if quick else None,
        )
        names = [a.name for a in experiment.arms]
        if arm is not None and arm not in names:
            raise ConfigError(f"--arm: experiment {experiment.name!r} has no arm {arm!r}")
        if any(p.name == experiment.name for p in planned):
            raise ConfigError(f"{path}: a second experiment named {experiment.name!r}")
        planned.append(
            ExperimentReport(
                path, experiment, results_root / experiment.name, reports_root / experiment.name
            )
        )
    return planned


def page_languages(lang: str) -> list[str]:
    """Languages of ``--lang``: one code (``zh``) or several, comma-separated (``en,zh``)."""
    return [code.strip() for code in lang.split(",") if code.strip()] or ["en"]
