"""Schema of behaviour: the report-decision logit weights and the learning rates."""

from __future__ import annotations

from pydantic import Field

from model.config.section import Section


class BehaviourConfig(Section):
    """Coefficients of the report decision (logit) and learning rates.

    All are assumptions unless a source is named; the calibration fits the free ones.
    """

    worker_intercept: float = Field(
        -8.04298, description="logit intercept of a worker's report (source: calibration fit)"
    )
    resident_intercept: float = Field(
        -4.55779, description="logit intercept of a resident's report (source: calibration fit)"
    )
    motivation: float = Field(3.0, description="logit weight of intrinsic motivation (share)")
    resident_propensity: float = Field(
        5.0, description="logit weight of a resident's reporting propensity (share)"
    )
    belonging: float = Field(2.0, description="logit weight of belonging (share)")
    trust: float = Field(
        3.45888,
        description="logit weight of trust that reports get fixed, share (source: calibration fit)",
    )
    severity: float = Field(1.5, description="logit weight of issue severity (share)")
    registered: float = Field(0.8, description="logit shift when registered (报到)")
    role: float = Field(1.2, description="logit shift when holding a designated post")
    role_match: float = Field(0.6, description="extra shift when the post matches the issue")
    honours: float = Field(0.3, description="logit shift when honours are awarded (registered)")
    security: float = Field(0.3, description="logit shift when socially insured")
    reward_per_yuan: float = Field(
        0.012,
        ge=0,
        description="logit weight per yuan of a small reward (the slope at zero; source: "
        "Lacetera, Macis & Slonim 2012, small rewards raised blood-drive turnout 15-20 %)",
    )
    reward_max_logit: float = Field(
        0.8,
        gt=0,
        description="largest logit shift any reward can give: the reward term is "
        "reward_max_logit x (1 - exp(-reward_per_yuan x reward / reward_max_logit)) "
        "(assumption bounded by Lacetera et al. 2012, larger rewards raised turnout little "
        "more, and Gneezy & Rustichini 2000, large pay restored effort to about the unpaid "
        "level or above)",
    )
    cost_per_yuan: float = Field(0.12, description="logit weight per yuan of reporting cost")
    channel_choice_scale_yuan: float = Field(
        2.0, gt=0, description="logit scale of channel choice on cost, yuan"
    )
    shift_end_recall: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the problems a worker meant to report at the end of his shift "
        "that he still reports then (assumption)",
    )
    trust_learning_rate: float = Field(
        0.3, ge=0, le=1, description="share of the gap closed by one outcome signal"
    )
    silence_signal: float = Field(
        0.1, ge=0, le=1, description="outcome value a reporter infers from silence"
    )
    belonging_adjust_per_day: float = Field(
        0.02, ge=0, le=1, description="daily share of the gap between belonging and target"
    )
    belonging_registered_gain: float = Field(
        0.05, ge=0, le=1, description="belonging target gain from being registered"
    )
    belonging_role_gain: float = Field(
        0.08, ge=0, le=1, description="belonging target gain from holding a post"
    )
    belonging_insured_gain: float = Field(
        0.08, ge=0, le=1, description="belonging target gain from social insurance"
    )
    belonging_sd: float = Field(
        0.1, ge=0, le=1, description="sd of individual baseline belonging between workers"
    )
    belonging_own_problem_bump: float = Field(
        0.06,
        ge=0,
        le=1,
        description="belonging gained when a worker's own problem is solved "
        "(a share of it is lost when not: belonging_own_problem_loss_share)",
    )
    belonging_own_problem_loss_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of belonging_own_problem_bump lost when a worker's own problem is "
        "not solved (assumption)",
    )
    belonging_success_bump: float = Field(
        0.03, ge=0, le=1, description="belonging gained when a report is fixed and fed back"
    )
    turnover_belonging_elasticity: float = Field(
        1.5, ge=0, description="log-hazard change of leaving per unit of belonging"
    )
    turnover_insured_factor: float = Field(
        0.85, ge=0, le=2, description="turnover hazard multiplier when insured"
    )
    resident_satisfaction_learning: float = Field(
        0.3, ge=0, le=1, description="share of gap closed by one experience of a resident"
    )
