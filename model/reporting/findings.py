"""Generated findings: sentences built from the numbers, with honest wording.

Every sentence names the comparison ("compared with today's street ..."), says "in the
model", carries its 95 % interval, and makes a directional claim ("cut", "more") only when
the interval it quotes excludes zero on that side; otherwise it says "no detectable
difference". Templates live in the messages file of each language (``findings.*``), so the
same numbers give the same sentences in every language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from model.analysis.costeffect import EXTENDEDLY_DOMINATED, FRONTIER, STRONGLY_DOMINATED
from model.analysis.effects import BETTER, NO_DIFFERENCE, WORSE
from model.reporting import equity
from model.reporting.brief import Brief
from model.reporting.measures import COST_PER_YEAR, FIXED_PER_YEAR, INCIDENTS_PER_YEAR
from model.reporting.text import Text, round_significant
from model.reporting.worlds import Robustness, condition_words

MAX_FINDINGS = 8


@dataclass(frozen=True)
class Finding:
    """One generated sentence.

    Attributes:
        kind: which template family produced it (``main``, ``time_to_fix``, ``cost``,
            ``dominance``, ``no_difference``, ``incidents``, ``equity``,
            ``participation``, ``robustness``).
        text: the sentence.
        arm: the arm it is about (None for sentences about several).
    """

    kind: str
    text: str
    arm: str | None = None


def _signed(t: Text, value: float, digits: int = 0) -> str:
    return t.number(value, digits, signed=True)


def _improving(brief: Brief, column: str) -> list[str]:
    return [arm for arm in brief.arms if brief.effect(arm, column)["verdict"] == BETTER]


def bottom_line(brief: Brief, t: Text) -> str:
    """One sentence for the title: which measure fixes the most problems per yuan, and overall."""
    count = len(brief.arms)
    n = t("terms.measures_one") if count == 1 else t("terms.measures", n=t.cardinal(count))
    helping = _improving(brief, FIXED_PER_YEAR)
    if not helping:
        return t(
            "findings.bottom_line.none", measures=n, reference=t.reference_phrase(brief.reference)
        )
    most = helping[0]
    savers = [a for a in helping if brief.effect(a, COST_PER_YEAR)["ci_high"] < 0]
    if savers:
        return t(
            "findings.bottom_line.saves",
            measures=n,
            arm=t.arm_in_text(savers[0]),
            most=t.arm_in_text(most),
        )
    ratios = brief.cost_per_fixed.set_index("arm")["value"]
    cheapest = min(helping, key=lambda arm: ratios.get(arm, math.inf))
    if cheapest == most:
        return t("findings.bottom_line.same", measures=n, arm=t.arm_in_text(most))
    return t(
        "findings.bottom_line.split",
        measures=n,
        cheapest=t.arm_in_text(cheapest),
        most=t.arm_in_text(most),
    )


def main_finding(brief: Brief, t: Text, arm: str) -> Finding:
    """Extra problems fixed within a week a year, and the share, for one arm."""
    count = brief.effect(arm, FIXED_PER_YEAR)
    share = brief.effect(arm, "fixed_within_7d_share")
    fields = {
        "arm": t.arm_in_text(arm),
        "reference": t.reference_phrase(brief.reference),
        "ci": t.interval(_signed(t, count["ci_low"]), _signed(t, count["ci_high"])),
        "before": t.percent(share["reference_mean"]),
        "after": t.percent(share["arm_mean"]),
        "points": t.points(share["difference"]),
        "points_ci": t.points_range(share["ci_low"], share["ci_high"]),
    }
    if count["verdict"] == BETTER:
        text = t("findings.main.more", count=t.number(count["difference"]), **fields)
    elif count["verdict"] == WORSE:
        text = t("findings.main.fewer", count=t.number(-count["difference"]), **fields)
    else:
        text = t("findings.main.no_difference", **fields)
    return Finding("main", text, arm)


def time_to_fix_finding(brief: Brief, t: Text, arm: str) -> Finding:
    """Median time from opening to fix: from X to Y hours (relative change and interval).

    The claim follows the relative interval it quotes: "cut" only when that interval lies
    below zero and the absolute interval agrees, "lengthened" symmetrically, otherwise
    "no detectable difference".
    """
    row = brief.effect(arm, "median_hours_to_fix")
    fields = {
        "arm": t.arm_in_text(arm),
        "reference": t.reference_phrase(brief.reference),
        "before": t.number(row["reference_mean"]),
        "after": t.number(row["arm_mean"]),
        "change": t.percent(row["relative_change"], signed=True),
        "ci": t.interval(
            t.percent(row["relative_ci_low"], signed=True),
            t.percent(row["relative_ci_high"], signed=True),
        ),
    }
    if row["relative_ci_high"] < 0 and row["ci_high"] < 0:
        key = "findings.time_to_fix.cut"
    elif row["relative_ci_low"] > 0 and row["ci_low"] > 0:
        key = "findings.time_to_fix.lengthened"
    else:
        key = "findings.time_to_fix.no_difference"
    return Finding("time_to_fix", t(key, **fields), arm)


def incidents_finding(brief: Brief, t: Text, arm: str) -> Finding:
    """Incidents averted a year (a picture-able number) with its interval."""
    row = brief.effect(arm, INCIDENTS_PER_YEAR)
    fields = {
        "arm": t.arm_in_text(arm),
        "reference": t.reference_phrase(brief.reference),
        "ci": t.interval(_signed(t, -row["ci_high"]), _signed(t, -row["ci_low"])),
    }
    if row["verdict"] == BETTER:
        text = t("findings.incidents.averted", count=t.number(-row["difference"]), **fields)
    elif row["verdict"] == WORSE:
        text = t("findings.incidents.more", count=t.number(row["difference"]), **fields)
    else:
        text = t("findings.incidents.no_difference", **fields)
    return Finding("incidents", text, arm)


def cost_finding(brief: Brief, t: Text, arm: str) -> Finding:
    """What one extra problem fixed within a week costs with this arm (yuan)."""
    cost = brief.effect(arm, COST_PER_YEAR)
    ratio = brief.cost_per_fixed.set_index("arm").loc[arm]
    fields = {
        "arm": t.arm_in_text(arm),
        "reference": t.reference_phrase(brief.reference),
        "cost": t.yuan(round_significant(cost["difference"])),
        "cost_ci": t.yuan_range(
            round_significant(cost["ci_low"]), round_significant(cost["ci_high"]), signed=True
        ),
    }
    if cost["ci_high"] < 0:
        saving = t.yuan(round_significant(-cost["difference"]))
        return Finding("cost", t("findings.cost.saves", saving=saving, **fields), arm)
    value = t.yuan(round_significant(ratio["value"]))
    low = round_significant(ratio["ci_low"])
    if not math.isfinite(ratio["ci_high"]):
        text = t("findings.cost.per_fixed_open", value=value, low=t.yuan(low), **fields)
        return Finding("cost", text, arm)
    ci = t.yuan_range(low, round_significant(ratio["ci_high"]))
    return Finding("cost", t("findings.cost.per_fixed", value=value, ci=ci, **fields), arm)


def dominance_findings(frontier: pd.DataFrame, t: Text, reference: str) -> list[Finding]:
    """Dominated arms named with the arm (or mix of arms) that beats them, costliest first."""
    found = []
    on_frontier = frontier[frontier["status"] == FRONTIER]
    dominated = frontier[frontier["status"].isin([STRONGLY_DOMINATED, EXTENDEDLY_DOMINATED])]
    for row in dominated.sort_values("cost", ascending=False).itertuples():
        if row.arm == reference:
            continue
        fields = {"arm": t.arm_in_text(row.arm), "other": t.arm_in_text(row.dominated_by)}
        if row.status == EXTENDEDLY_DOMINATED:
            below = on_frontier[on_frontier["effect"] < row.effect].sort_values("effect")
            below_arm = below["arm"].iloc[-1] if len(below) else reference
            if below_arm == reference:
                key = "findings.dominance.extended_partial"
            else:
                key = "findings.dominance.extended"
                fields["below"] = t.arm_in_text(below_arm)
        elif row.dominated_by == reference:
            fewer = row.effect < 0
            key = (
                "findings.dominance.by_reference_fewer"
                if fewer
                else "findings.dominance.by_reference"
            )
            fields["other"] = t.reference_phrase(reference)
        else:
            key = "findings.dominance.strong"
        found.append(Finding("dominance", t(key, **fields), row.arm))
    return found


def no_difference_finding(brief: Brief, t: Text) -> Finding | None:
    """The arms with no detectable difference in problems fixed within a week."""
    arms = [a for a in brief.arms if brief.effect(a, FIXED_PER_YEAR)["verdict"] == NO_DIFFERENCE]
    if not arms:
        return None
    reference = t.reference_phrase(brief.reference)
    if len(arms) == 1:
        row = brief.effect(arms[0], FIXED_PER_YEAR)
        ci = t.interval(_signed(t, row["ci_low"]), _signed(t, row["ci_high"]))
        text = t(
            "findings.no_difference.one", arm=t.arm_in_text(arms[0]), reference=reference, ci=ci
        )
        return Finding("no_difference", text, arms[0])
    names = t.join([t.arm_in_text(a) for a in arms])
    text = t("findings.no_difference.many", arms=names, reference=reference)
    return Finding("no_difference", text)


def equity_finding(community_effects: pd.DataFrame, t: Text, arm: str) -> Finding | None:
    """Where an arm helps most and least (communities, problems fixed within a week)."""
    outcome = "fixed_within_7d_share"
    try:
        largest, smallest = equity.largest_and_smallest(community_effects, outcome, arm)
    except ValueError:
        return None
    if largest["verdict"] != BETTER:
        key = "findings.equity.nowhere"
    elif smallest["verdict"] == BETTER:
        key = "findings.equity.everywhere"
    else:
        key = "findings.equity.somewhere"
    text = t(
        key,
        arm=t.arm_in_text(arm),
        big=t.community(largest["group"]),
        big_points=t.points(largest["difference"]),
        big_ci=t.points_range(largest["ci_low"], largest["ci_high"]),
        small=t.community(smallest["group"]),
        small_points=t.points(smallest["difference"]),
        small_ci=t.points_range(smallest["ci_low"], smallest["ci_high"]),
    )
    return Finding("equity", text, arm)


def robustness_finding(result: Robustness, t: Text, reference: str) -> Finding:
    """Share of sampled worlds in which the arm still wins, and where it fails."""
    fields = {
        "arm": t.arm_in_text(result.arm),
        "reference": t.reference_phrase(reference),
        "share": t.percent(result.share_better),
        "n": t.number(result.n_worlds),
        "ci": t.interval(t.percent(result.share_ci_low), t.percent(result.share_ci_high)),
    }
    if result.n_better == result.n_worlds:
        return Finding("robustness", t("findings.robustness.always", **fields), result.arm)
    text = t("findings.robustness.share", **fields)
    if result.condition is not None:
        clause = condition_words(result.condition, t)
        text = t("findings.robustness.with_condition", sentence=text, condition=clause)
    return Finding("robustness", text, result.arm)


def findings(
    brief: Brief,
    t: Text,
    *,
    frontier: pd.DataFrame | None = None,
    community_effects: pd.DataFrame | None = None,
    robustness: Sequence[Robustness] = (),
    max_findings: int = MAX_FINDINGS,
) -> list[Finding]:
    """Five to eight sentences about the experiment, most important first.

    Args:
        brief: the brief numbers.
        t: the language layer.
        frontier: cost-effectiveness frontier on problems fixed within a week (optional).
        community_effects: :func:`model.reporting.equity.group_effects` by community (optional).
        robustness: robustness summaries of arms in sampled worlds (optional; omitted
            when empty).
        max_findings: most sentences to return.

    Returns:
        The findings in reading order.
    """
    top = brief.arms[0] if brief.arms else None
    if top is None:
        return []
    helping = _improving(brief, FIXED_PER_YEAR)
    faster = _improving(brief, "median_hours_to_fix")
    candidates: list[Finding | None] = [
        main_finding(brief, t, top),
        time_to_fix_finding(brief, t, faster[0] if faster else top),
    ]
    if helping:
        ratios = brief.cost_per_fixed.set_index("arm")["value"]
        cheapest = min(helping, key=lambda arm: ratios.get(arm, math.inf))
        candidates.append(cost_finding(brief, t, cheapest))
    if frontier is not None:
        candidates.extend(dominance_findings(frontier, t, brief.reference)[:2])
    candidates.append(no_difference_finding(brief, t))
    if community_effects is not None and helping:
        candidates.append(equity_finding(community_effects, t, helping[0]))
    # a measure without a single valued world says nothing about robustness (too short runs)
    valued = [r for r in robustness if r.n_worlds > 0]
    candidates.extend(robustness_finding(r, t, brief.reference) for r in valued[:2])
    available = [f for f in candidates if f is not None]
    if len(available) < 5:
        available.insert(2, incidents_finding(brief, t, top))
    ranked = sorted(range(len(available)), key=lambda i: (PRIORITY[available[i].kind], i))
    keep = set(ranked[:max_findings])
    return [finding for i, finding in enumerate(available) if i in keep]


PRIORITY = {
    "main": 0,
    "time_to_fix": 1,
    "cost": 2,
    "equity": 3,
    "no_difference": 4,
    "robustness": 5,
    "dominance": 6,
    "incidents": 7,
}
"""Which findings survive when there are more than :data:`MAX_FINDINGS` (lower first)."""
