"""Mesa agents: gig workers, residents and community staff.

Each agent is a Mesa agent with a ``slot``: its row in the population tables
(:class:`model.workforce.WorkerTable`, :class:`model.residents.ResidentTable`). The hourly
hot path reads and writes those tables for all agents at once; the agent objects carry the
per-event behaviour (learning from an outcome, receiving points, leaving the street) and
expose their state as properties, so ``AgentSet.select``/``agg`` work as usual in Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent
from mesa.discrete_space import CellAgent

from model.config.codes import WORKER_KINDS

if TYPE_CHECKING:
    from model.simulation import StreetModel

ROLES: tuple[str, ...] = ("none", "informant", "safety_patrol", "publicist")
"""Designated posts (社情民意信息员, 平安巡查守护员, 政策宣传流动员); index 0 = no post."""


class Worker(CellAgent):
    """A delivery rider, courier or ride-hailing driver.

    The agent's cell is its base: the community it works out of. State lives in row
    ``slot`` of ``model.workforce``.
    """

    def __init__(self, model: StreetModel, slot: int, cell) -> None:
        """Create a worker occupying a row of the worker table.

        Args:
            model: the StreetModel.
            slot: row of the worker table.
            cell: the Mesa cell of the worker's base community office.
        """
        super().__init__(model)
        self.slot = slot
        self.cell = cell
        model.workforce.agent_id[slot] = self.unique_id

    @property
    def kind(self) -> str:
        """Rider, courier or driver."""
        return WORKER_KINDS[self.model.workforce.kind[self.slot]]

    @property
    def belonging(self) -> float:
        """Belonging (归属感) to the community and city, share 0-1."""
        return float(self.model.workforce.belonging[self.slot])

    @property
    def trust(self) -> float:
        """Trust that a report gets fixed, share 0-1, learned from outcomes."""
        return float(self.model.workforce.trust[self.slot])

    @property
    def registered(self) -> bool:
        """Registered (报到) with the street or community."""
        return bool(self.model.workforce.registered[self.slot])

    @property
    def role(self) -> str:
        """Designated post, or "none"."""
        return ROLES[self.model.workforce.role[self.slot]]

    @property
    def insured(self) -> bool:
        """Covered by social insurance."""
        return bool(self.model.workforce.insured[self.slot])

    @property
    def points(self) -> float:
        """Points balance earned from verified reports."""
        return float(self.model.workforce.points[self.slot])

    @property
    def reports_made(self) -> int:
        """Reports made since arrival, duplicates included."""
        return int(self.model.workforce.reports_made[self.slot])

    @property
    def reports_this_month(self) -> int:
        """Reports in the current month (honours rank on this)."""
        return int(self.model.workforce.reports_month[self.slot])

    def learn_outcome(self, signal: float) -> None:
        """Update trust from one outcome signal (1 = fixed and known, 0 = not fixed).

        Trust moves a share ``behaviour.trust_learning_rate`` of the way to the signal
        (assumption: delta-rule learning; the repeat-report lift of
        ``repeat_report_lift_after_success`` must emerge from it).
        """
        self.model.workforce.learn(self.slot, signal)

    def leave(self) -> None:
        """Leave the street (turnover); the slot is refilled by a newcomer."""
        self.remove()


class Resident(CellAgent):
    """A resident household; lives in a residential building cell."""

    def __init__(self, model: StreetModel, slot: int, cell) -> None:
        """Create a resident occupying a row of the resident table.

        Args:
            model: the StreetModel.
            slot: row of the resident table.
            cell: the Mesa cell of the home.
        """
        super().__init__(model)
        self.slot = slot
        self.cell = cell
        model.residents.agent_id[slot] = self.unique_id

    @property
    def elderly_alone(self) -> bool:
        """An elderly person living alone."""
        return bool(self.model.residents.elderly[self.slot])

    @property
    def satisfaction(self) -> float:
        """Satisfaction with governance, share 0-1."""
        return float(self.model.residents.satisfaction[self.slot])

    @property
    def trust(self) -> float:
        """Trust that a report gets fixed, share 0-1."""
        return float(self.model.residents.trust[self.slot])

    @property
    def trust_in_workers(self) -> float:
        """Trust in gig workers as a relay for residents' opinions, share 0-1."""
        return float(self.model.residents.trust_in_workers[self.slot])

    def learn_outcome(self, signal: float) -> None:
        """Update trust and satisfaction from one outcome signal (see Worker.learn_outcome)."""
        self.model.residents.learn(self.slot, signal)


class CommunityStaff(Agent):
    """A community staff member or grid member (网格员) with limited office hours.

    Staff time is pooled per community in :class:`model.service.ServiceChain`; the agent
    records its community and reads its share of the community's ticket work.
    """

    def __init__(self, model: StreetModel, community: int) -> None:
        """Create a staff member.

        Args:
            model: the StreetModel.
            community: community index.
        """
        super().__init__(model)
        self.community = community

    @property
    def workload_hours(self) -> float:
        """Hours this staff member has spent on tickets so far.

        The community's pooled ticket minutes, shared equally among its staff.
        """
        service = self.model.service
        staff = max(1, self.model.config.population.staff_per_community)
        return float(service.minutes_worked[self.community]) / 60.0 / staff
