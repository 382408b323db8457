"""Figures of the reports: matplotlib, colour-blind-safe, labelled axes with units.

Every function takes language-free tables and a :class:`~model.reporting.text.Text` and returns
``(Figure, caption)``: a figure built without pyplot (no global state) and a one-sentence
caption saying what to see.
"""

from model.reporting.figures.calibration import calibration_bands, loss_profile, time_to_close
from model.reporting.figures.costeffect import ce_plane
from model.reporting.figures.effects import forest_plot, issue_type_effects, replication_adequacy
from model.reporting.figures.equity import community_map, participation
from model.reporting.figures.factorial import factorial_effects, interaction_plot
from model.reporting.figures.scenario import issue_density_map
from model.reporting.figures.series import daily_series, funnel

__all__ = [
    "calibration_bands",
    "ce_plane",
    "community_map",
    "daily_series",
    "factorial_effects",
    "forest_plot",
    "funnel",
    "interaction_plot",
    "issue_density_map",
    "issue_type_effects",
    "loss_profile",
    "participation",
    "replication_adequacy",
    "time_to_close",
]
