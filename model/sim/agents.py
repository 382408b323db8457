"""Mesa agents: gig workers, residents and community staff, as thin views over the tables.

Each worker or resident is a Mesa agent with a ``slot``: its row in the population table
(:class:`model.sim.workforce.WorkerTable`, :class:`model.sim.residents.ResidentTable`). The
hourly hot path reads and writes those tables for all agents at once (numpy, for speed:
see docs/ODD.md, section 2.2); the agent objects carry the per-event behaviour (learning
from an outcome, leaving the street) and expose their row as properties, so that
``AgentSet.select``/``agg`` work as usual in Mesa. Each agent holds its table, never the
model's other parts.
"""

from __future__ import annotations

from mesa import Agent, Model
from mesa.discrete_space import CellAgent

from model.config.codes import ROLES, WORKER_KINDS
from model.sim.residents import ResidentTable
from model.sim.service import ServiceChain
from model.sim.workforce import WorkerTable


class Worker(CellAgent):
    """A delivery rider, courier or ride-hailing driver.

    The agent's cell is its base: the community it works out of. State lives in row
    ``slot`` of the worker table.
    """

    def __init__(self, model: Model, table: WorkerTable, slot: int, cell) -> None:
        """Create a worker occupying a row of the worker table.

        Args:
            model: the Mesa model.
            table: the worker table.
            slot: row of the worker table.
            cell: the Mesa cell of the worker's base community office.
        """
        super().__init__(model)
        self.table = table
        self.slot = slot
        self.cell = cell
        table.agent_id[slot] = self.unique_id

    @property
    def kind(self) -> str:
        """Rider, courier or driver."""
        return WORKER_KINDS[self.table.kind[self.slot]]

    @property
    def belonging(self) -> float:
        """Belonging (归属感) to the community and city, share 0-1."""
        return float(self.table.belonging[self.slot])

    @property
    def trust(self) -> float:
        """Trust that a report gets fixed, share 0-1, learned from outcomes."""
        return float(self.table.trust[self.slot])

    @property
    def registered(self) -> bool:
        """Registered (报到) with the street or community."""
        return bool(self.table.registered[self.slot])

    @property
    def role(self) -> str:
        """Designated post, or "none"."""
        return ROLES[self.table.role[self.slot]]

    @property
    def insured(self) -> bool:
        """Covered by social insurance."""
        return bool(self.table.insured[self.slot])

    @property
    def points(self) -> float:
        """Points balance earned from verified reports."""
        return float(self.table.points[self.slot])

    @property
    def reports_made(self) -> int:
        """Reports made since arrival, duplicates included."""
        return int(self.table.reports_made[self.slot])

    @property
    def reports_this_month(self) -> int:
        """Reports in the current month (honours rank on this)."""
        return int(self.table.reports_month[self.slot])

    def learn_outcome(self, signal: float) -> None:
        """Update trust from one outcome signal (1 = fixed and known, 0 = not fixed).

        Trust moves a share ``behaviour.trust_learning_rate`` of the way to the signal
        (assumption: delta-rule learning; the repeat-report lift of
        ``repeat_report_lift_after_success`` must emerge from it).
        """
        self.table.learn(self.slot, signal)

    def leave(self) -> None:
        """Leave the street (turnover); the slot is refilled by a newcomer."""
        self.remove()


class Resident(CellAgent):
    """A resident household; lives in a residential building cell."""

    def __init__(self, model: Model, table: ResidentTable, slot: int, cell) -> None:
        """Create a resident occupying a row of the resident table.

        Args:
            model: the Mesa model.
            table: the resident table.
            slot: row of the resident table.
            cell: the Mesa cell of the home.
        """
        super().__init__(model)
        self.table = table
        self.slot = slot
        self.cell = cell
        table.agent_id[slot] = self.unique_id

    @property
    def elderly_alone(self) -> bool:
        """An elderly person living alone."""
        return bool(self.table.elderly[self.slot])

    @property
    def satisfaction(self) -> float:
        """Satisfaction with governance, share 0-1."""
        return float(self.table.satisfaction[self.slot])

    @property
    def trust(self) -> float:
        """Trust that a report gets fixed, share 0-1."""
        return float(self.table.trust[self.slot])

    @property
    def trust_in_workers(self) -> float:
        """Trust in gig workers as a relay for residents' opinions, share 0-1."""
        return float(self.table.trust_in_workers[self.slot])

    def learn_outcome(self, signal: float) -> None:
        """Update trust and satisfaction from one outcome signal (see Worker.learn_outcome)."""
        self.table.learn(self.slot, signal)


class CommunityStaff(Agent):
    """A community staff member or grid member (网格员) with limited office hours.

    Staff time is pooled per community in :class:`model.sim.service.ServiceChain`; the agent
    records its community and reads its share of the community's ticket work.
    """

    def __init__(
        self, model: Model, service: ServiceChain, community: int, staff_in_community: int
    ) -> None:
        """Create a staff member.

        Args:
            model: the Mesa model.
            service: the service chain (pooled ticket minutes per community).
            community: community index.
            staff_in_community: staff of the community (``population.staff_per_community``).
        """
        super().__init__(model)
        self.service = service
        self.community = community
        self.staff_in_community = staff_in_community

    @property
    def workload_hours(self) -> float:
        """Hours this staff member has spent on tickets so far.

        The community's pooled ticket minutes, shared equally among its staff.
        """
        staff = max(1, self.staff_in_community)
        return float(self.service.minutes_worked[self.community]) / 60.0 / staff
