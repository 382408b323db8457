"""The street's account book: yuan spent per lever, and the yearly points budget.

Every lever has a cost: running costs booked daily (yearly costs / 365, monthly costs / 30)
and event costs booked when they happen (points paid, waived penalties, post training,
meetings, activities). ``program_cost_yuan`` is the sum over all levers.
"""

from __future__ import annotations

from model.config.policies import PoliciesConfig

LEVERS: tuple[str, ...] = (
    "posts",
    "points",
    "honours",
    "insurance",
    "waiver",
    "one_stop",
    "mini_program",
    "stations",
    "deliberation",
)
"""Levers with a cost, in ledger order."""


class Ledger:
    """Yuan spent per lever, and the points budget of the current year.

    Args:
        policies: the ``policies`` block (the cost fields of every lever).
    """

    def __init__(self, policies: PoliciesConfig) -> None:
        """Start an empty ledger."""
        self.policies = policies
        self.spent = dict.fromkeys(LEVERS, 0.0)
        self.points_paid = 0.0
        self.points_paid_this_year = 0.0
        self._budget_left = self._budget_left_now()

    @property
    def total(self) -> float:
        """Program cost to date, yuan."""
        return float(sum(self.spent.values()))

    def book(self, lever: str, yuan: float) -> None:
        """Book ``yuan`` against ``lever``."""
        self.spent[lever] += yuan

    def new_year(self) -> None:
        """Reset the yearly points budget."""
        self.points_paid_this_year = 0.0
        self._budget_left = self._budget_left_now()

    def _budget_left_now(self) -> float:
        """Yuan of points that can still be paid this year, worked out from what was paid."""
        return max(0.0, self.policies.points.annual_budget_yuan - self.points_paid_this_year)

    def points_budget_left(self) -> float:
        """Yuan of points that can still be paid this year.

        Read every hour, changed only when points are paid or a year begins: the value
        :meth:`_budget_left_now` gave then, kept.
        """
        return self._budget_left

    def pay_points(self, yuan: float) -> float:
        """Pay up to ``yuan`` of points within the budget; returns what was paid."""
        paid = min(yuan, self._budget_left)
        self.points_paid += paid
        self.points_paid_this_year += paid
        self._budget_left = self._budget_left_now()
        self.book("points", paid)
        return paid

    def book_daily_running_costs(self, subsidized: int, post_holders: int) -> None:
        """Book one day of the levers' running costs (yearly and monthly costs / 365 and / 30).

        Args:
            subsidized: workers insured through the policy's subsidy today.
            post_holders: workers holding a designated post today.
        """
        p = self.policies
        if p.points.enabled:
            self.book("points", p.points.admin_yuan_per_year / 365.0)
        if p.honours.enabled:
            self.book("honours", p.honours.yuan_per_month / 30.0)
        if p.insurance.enabled:
            self.book("insurance", subsidized * p.insurance.subsidy_yuan_per_worker_month / 30.0)
        if p.posts.enabled:
            self.book("posts", post_holders * p.posts.stipend_yuan_per_post_month / 30.0)
        if p.one_stop.enabled:
            self.book("one_stop", p.one_stop.yuan_per_year / 365.0)
        if p.mini_program.enabled:
            self.book("mini_program", p.mini_program.yuan_per_year / 365.0)
        per_station = p.stations.yuan_per_station_year + (
            p.stations.upgrade_yuan_per_station_year if p.stations.upgraded else 0.0
        )
        self.book("stations", p.stations.count * per_station / 365.0)
