"""Calibration targets: the empirical bands the status quo must reproduce.

Targets come from ``calibration/targets.yaml`` (the shared file; a copy is kept in
``scenarios/calibration/targets.yaml`` and a test checks that the copy is current). For each
target the model has a counterpart for (:mod:`model.experiments.calibration.measures`), the
band is read from the file, or set around the published value where the file gives none
(marked as an assumption).

Each target has a role: ``reproduced`` (an output the model must hit, the evidence of fit)
or ``input`` (a value the model is given as a parameter, such as a rider's online hours;
its simulated value only checks the plumbing, so it is shown apart and never counted).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from model.config.paths import REPO_ROOT

TARGETS_COPY = REPO_ROOT / "scenarios" / "calibration" / "targets.yaml"
"""The targets file of the repository (the empirical anchors with their sources)."""


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Attributes:
        name: short name used in tables.
        key: dotted key in targets.yaml (the source).
        low: lower end of the band (inclusive).
        high: upper end of the band (inclusive).
        meaning: what it measures.
        band_source: where the band comes from ("targets.yaml" or an assumption).
        role: ``"reproduced"`` when the value is an output the model must hit (evidence of
            fit), ``"input"`` when the model is given it as a parameter (shown for
            completeness, not counted as reproduced).
    """

    name: str
    key: str
    low: float
    high: float
    meaning: str
    band_source: str = "targets.yaml"
    role: str = "reproduced"

    @property
    def reproduced(self) -> bool:
        """The target is an output the model must hit (not a value it is given)."""
        return self.role == REPRODUCED


REPRODUCED = "reproduced"
"""Role of a target the model must reproduce: its simulated value is evidence of fit."""

INPUT = "input"
"""Role of a target the model is given as a parameter: shown, never counted as reproduced."""

TARGET_ROLES = (REPRODUCED, INPUT)
"""Every role a target can have."""

INPUT_TARGETS: dict[str, str] = {
    "rider_online_hours": "workers.rider.online_hours_mean (hours online a working day)",
    "rider_orders": "workers.rider.orders_per_hour x workers.rider.online_hours_mean",
    "rider_km": "workers.rider.speed_kmh x workers.rider.online_hours_mean",
    "rider_monthly_turnover": "workers.rider.monthly_turnover (the hazard itself; belonging "
    "and insurance only tilt it)",
    "no_insurance_share": "workers.insured_share (drawn for every worker on arrival)",
}
"""Targets the model takes as inputs, with the parameter each one sets (why it is an input)."""


# name, key in targets.yaml, band when the file gives none (with why), meaning
_COUNTERPARTS: tuple[tuple[str, str, tuple[float, float] | None, str], ...] = (
    ("registered_share", "workers.registered_share", None, "share of workers registered (报到)"),
    ("rider_online_hours", "workers.daily_online_hours_rider", None,
     "hours online per rider working day"),
    ("rider_orders", "workers.daily_orders_rider", None, "orders per rider working day"),
    ("rider_km", "workers.daily_km_rider", None, "km per rider working day"),
    ("rider_monthly_turnover", "workers.monthly_turnover_crowdsourced", None,
     "share of riders leaving per month"),
    ("no_insurance_share", "workers.no_insurance_share", None,
     "share of workers without any insurance"),
    ("reports_per_enrolled_worker_year", "participation.reports_per_enrolled_worker_year", None,
     "reports per registered worker per year (no points)"),
    ("repeat_report_lift", "reporting_behaviour.repeat_report_lift_after_success", None,
     "P(second report | first fixed) / P(second report | first not fixed)"),
    ("one_time_reporter_share", "reporting_behaviour.one_time_reporter_share", None,
     "share of resident reporters with exactly one report"),
    ("median_days_to_close", "service_system.time_to_close_days.median", (2.0, 4.0),
     "median days from report to close"),
    ("share_closed_within_7_days", "service_system.time_to_close_days.share_within_7_days",
     (0.78, 0.93), "share of closed tickets closed within 7 days"),
    ("hotline_resolution_rate", "service_system.hotline_resolution_rate_early", None,
     "share of closed hotline tickets that were fixed"),
    ("hotline_satisfaction_rate", "service_system.hotline_satisfaction_rate_early", None,
     "share of hotline reporters called back (told the outcome) who are satisfied"),
)  # fmt: skip


def targets_file() -> Path:
    """The targets file: ``$STREETWISE_TARGETS`` when set, else the repository's own."""
    override = os.environ.get("STREETWISE_TARGETS")
    if override:
        return Path(override)
    return TARGETS_COPY


_PLAIN_LINE = re.compile(r"^(\s*(?:- )?[A-Za-z_][\w]*): (.+)$")


def read_targets_yaml(path: Path) -> dict[str, Any]:
    """Read targets.yaml, tolerating plain values that contain ``": "``.

    The shared file has free-text values such as ``meaning: ... matured): rose from ...``
    that strict YAML rejects. Such a value (not quoted, not a list or mapping) is quoted
    before parsing; nothing else is changed.
    """
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PLAIN_LINE.match(line)
        if match and ": " in match.group(2) and match.group(2)[0] not in "\"'[{|>#":
            line = f"{match.group(1)}: {json.dumps(match.group(2), ensure_ascii=False)}"
        lines.append(line)
    return yaml.safe_load("\n".join(lines))


def load_targets(path: Path | None = None) -> tuple[Target, ...]:
    """Read the bands of every target the model has a counterpart for.

    Targets without a band in the file (the NYC 311 time-to-close figures) get a band
    around the published value, marked as an assumption.

    Args:
        path: targets YAML; :func:`targets_file` when None.

    Returns:
        The targets in table order.
    """
    data = read_targets_yaml(Path(path or targets_file()))
    targets = []
    for name, key, fallback, meaning in _COUNTERPARTS:
        node: Any = data
        for part in key.split("."):
            node = node[part]
        if isinstance(node, dict) and "band" in node:
            low, high = (float(v) for v in node["band"])
            source = "targets.yaml"
        else:
            assert fallback is not None, key
            low, high = fallback
            source = f"assumption around {node}"
        role = INPUT if name in INPUT_TARGETS else REPRODUCED
        targets.append(Target(name, key, low, high, meaning, source, role))
    return tuple(targets)
