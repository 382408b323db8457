"""Residents (居民) as a table: homes, household type, propensity, trust and satisfaction.

Residents watch the cells around their homes (``watch_radius_cells``; source:
``resident_report_within_2_blocks``); elderly people living alone go out less and are where
"vulnerable resident" issues arise. The table also gives, per cell, how many resident
looks the cell gets per outdoor hour — the residents' exposure field.
"""

from __future__ import annotations

import numpy as np

from model.config.behaviour import BehaviourConfig
from model.config.people import PopulationConfig, ResidentsConfig
from model.sim.space import Layout, window_sum


class ResidentTable:
    """Traits and state of every resident agent.

    Attributes:
        home: flat home cell.
        community: community of the home.
        elderly: an elderly person living alone.
        activity: relative outdoor activity (1, or ``elderly_activity``).
        propensity: reporting propensity near home, share 0-1.
        trust: trust that a report gets fixed, share 0-1.
        trust_in_workers: trust in gig workers, share 0-1.
        satisfaction: satisfaction with governance, share 0-1.
        adopted_mini_program: would use the mini-program when it exists.
        agent_id: Mesa unique_id of each resident.
        reports_made: reports made during the run.
    """

    def __init__(
        self,
        residents: ResidentsConfig,
        population: PopulationConfig,
        behaviour: BehaviourConfig,
        layout: Layout,
        rng: np.random.Generator,
    ):
        """Place residents in homes and draw their traits.

        Homes follow residential density. Propensity is Beta with the configured mean and
        concentration, so a few residents are keen reporters (assumption).

        Args:
            residents: the ``residents`` block.
            population: the ``population`` block (how many, elderly living alone).
            behaviour: the ``behaviour`` block (learning rates).
            layout: street layout.
            rng: the ``population`` stream.
        """
        self.residents = residents
        self.behaviour = behaviour
        r = residents
        n = population.residents
        weights = layout.residential
        if weights.sum() <= 0:
            weights = np.ones(layout.n_cells)
        self.home = np.sort(rng.choice(layout.n_cells, size=n, p=weights / weights.sum()))
        self.community = layout.community[self.home]
        self.elderly = rng.random(n) < population.elderly_alone_share
        self.activity = np.where(self.elderly, r.elderly_activity, 1.0)
        k = r.propensity_concentration
        m = min(max(r.propensity_mean, 1e-6), 1 - 1e-6)
        self.propensity = rng.beta(m * k, (1 - m) * k, n)
        self.trust = np.full(n, r.trust_initial)
        self.trust_in_workers = np.full(n, r.trust_in_workers_initial)
        self.satisfaction = np.full(n, 0.5)
        self.adopted_mini_program = rng.random(n) < r.mini_program_adoption
        self.agent_id = np.full(n, -1, dtype=np.int64)
        self.reports_made = np.zeros(n, dtype=np.int32)
        self.layout = layout
        # residents by home cell (CSR) for picking the one who noticed an issue
        self.cell_start = np.searchsorted(self.home, np.arange(layout.n_cells + 1))
        self.cum_activity = np.concatenate([[0.0], np.cumsum(self.activity)])
        self.activity_by_cell = np.bincount(
            self.home, weights=self.activity, minlength=layout.n_cells
        )
        self.window_cells, self.window_cum = self._watch_windows()

    def __len__(self) -> int:
        return len(self.home)

    def _watch_windows(self) -> tuple[np.ndarray, np.ndarray]:
        """For every cell: the cells of its watch window and their cumulative activity.

        Returns:
            ``(cells, cumulative)``, each (n_cells, (2r + 1) ** 2); cells outside the street
            carry no weight.
        """
        radius = self.residents.watch_radius_cells
        nx, ny = self.layout.cells_x, self.layout.cells_y
        offsets = np.arange(-radius, radius + 1)
        x, y = np.divmod(np.arange(self.layout.n_cells), ny)
        wx = x[:, None, None] + offsets[None, :, None]
        wy = y[:, None, None] + offsets[None, None, :]
        inside = ((wx >= 0) & (wx < nx) & (wy >= 0) & (wy < ny)).reshape(len(x), -1)
        window = np.where(inside, (wx * ny + wy).reshape(len(x), -1), 0)
        weight = np.where(inside, self.activity_by_cell[window], 0.0)
        return window, np.cumsum(weight, axis=1)

    def looks_per_hour(self) -> np.ndarray:
        """Resident looks per cell per outdoor hour.

        Every resident looks at each cell of its watch window ``passes_per_hour`` times an
        outdoor hour, scaled by its activity (assumption). Computed with a window sum.

        Returns:
            Flat per-cell looks per hour.
        """
        r = self.residents
        return r.passes_per_hour * window_sum(
            self.activity_by_cell, self.layout, r.watch_radius_cells
        )

    def pick_watcher(
        self, cells: np.ndarray, u_home: np.ndarray, u_resident: np.ndarray
    ) -> np.ndarray:
        """Pick, for each cell, a resident living within the watch window.

        The home cell is drawn in proportion to the activity living there, then a resident
        of that cell in proportion to its activity (elderly people living alone go out
        less).

        Args:
            cells: flat cells where residents noticed something.
            u_home: one uniform per cell for the home cell.
            u_resident: one uniform per cell for the resident.

        Returns:
            Resident slots, -1 where nobody lives within reach.
        """
        window = self.window_cells[cells]
        cum = self.window_cum[cells]
        total = cum[:, -1]
        u = u_home * total
        pick = np.minimum((u[:, None] >= cum).sum(axis=1), window.shape[1] - 1)
        home = window[np.arange(len(cells)), pick]
        start, stop = self.cell_start[home], self.cell_start[home + 1]
        cum = self.cum_activity
        target = cum[start] + u_resident * (cum[stop] - cum[start])
        slot = np.clip(
            np.searchsorted(cum, target, side="right") - 1, start, np.maximum(stop - 1, start)
        )
        return np.where((total > 0) & (stop > start), np.minimum(slot, len(self.home) - 1), -1)

    def learn(self, slot: int, signal: float) -> None:
        """Trust and satisfaction move a share of the way to the outcome signal."""
        b = self.behaviour
        trust, satisfaction = float(self.trust[slot]), float(self.satisfaction[slot])
        self.trust[slot] = trust + b.trust_learning_rate * (signal - trust)
        self.satisfaction[slot] = satisfaction + b.resident_satisfaction_learning * (
            signal - satisfaction
        )
