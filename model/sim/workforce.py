"""The gig workforce as a table: one row (slot) per worker, one numpy array per trait.

The daily submodels — shifts (who is online when), turnover and replacement, registration
(报到), designated posts, insurance enrolment, station visits, workers' own problems and
the belonging (归属感) dynamics — work on whole arrays. Per-worker Python runs only on
events (a report, an outcome, a departure), through :class:`model.sim.agents.Worker`.
What the levers add to these dynamics (posts, insurance enrolment, the one-stop platform)
is in :mod:`model.sim.levers`, station visits in :mod:`model.sim.stations`. Shifts, turnover,
belonging and the newcomers' traits are worked out by compiled kernels
(:mod:`model.sim.daily_kernels`); their readable numpy forms are in
:mod:`model.sim.workforce_forms`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from model.config.behaviour import BehaviourConfig
from model.config.codes import REPORTER_CHANNELS, WORKER_KINDS, Role
from model.config.people import WorkerCounts, WorkersConfig
from model.sim.daily_kernels import (
    leaving_slots,
    move_belonging,
    newcomer_traits,
    registering_slots,
    retired_rows,
    shift_table,
    turnover_rows,
)
from model.sim.space import Layout

HOURS = np.arange(24)

NEWCOMER_DRAWS = 6
"""Uniforms per newcomer: base community, motivation, belonging, registered on arrival,
insured, mini-program adoption (in this order)."""

MATCHED_POST = np.array(
    [
        Role.INFORMANT,  # riders talk to residents and see kitchens
        Role.SAFETY_PATROL,  # couriers enter buildings
        Role.PUBLICIST,  # drivers cover the whole street
    ]
)
"""The post that fits each worker kind (indexed by ``WorkerKind``; assumption from the post
names), used with skill matching."""


@dataclass
class Shifts:
    """Who is online on one day.

    Attributes:
        online: (n_workers, 24) share of each hour online, 0-1.
        counts: (24, n_kinds, n_communities) online workers per hour, kind and base.
        hours: (n_workers,) hours online today.
        end: (n_workers,) hour of day the shift ends (start + hours, at most 24; NaN for
            a worker who does not work today).
    """

    online: np.ndarray
    counts: np.ndarray
    hours: np.ndarray
    end: np.ndarray


class WorkerTable:
    """Traits and state of every worker slot.

    Attributes:
        kind: kind index (WORKER_KINDS), fixed per slot so the mix stays constant.
        base: base community index (written only by :meth:`renew`).
        group: worker group ``kind * n_communities + base`` (the row of the tables kept by
            kind and base, e.g. :class:`model.sim.stations.StationReach`), kept by
            :meth:`renew`.
        agent_id: Mesa unique_id of the slot's current worker.
        motivation: intrinsic civic motivation, share 0-1.
        belonging_base: individual baseline belonging, share 0-1.
        belonging: belonging (归属感), share 0-1.
        trust: trust that a report gets fixed, share 0-1.
        registered: registered (报到) with the community.
        role: designated post (``Role`` code; ``Role.NONE`` = none).
        insured: covered by social insurance.
        subsidized: insured through the insurance policy's subsidy.
        adopted_mini_program: would use the mini-program when it exists.
        seat: holds a seat on the residents' council.
        points: points balance.
        reports_made: reports since arrival.
        reports_month: reports in the current month (for honours).
        last_report_at: hour of the latest report (-inf = none).
        arrived_at: hour of arrival.
        days_online: days with at least one hour online since arrival.
        reports_by_channel: (n_workers, n_reporter_channels) reports since arrival by
            channel (hotline, mini-program, station, in person), duplicates included.
        honours: honours received since arrival.

    The records of the workers who left are kept in columns with room to grow, one row per
    leaver in order of leaving (see :meth:`turn_over`, :meth:`roster`).
    """

    def __init__(
        self,
        workers: WorkersConfig,
        counts: WorkerCounts,
        behaviour: BehaviourConfig,
        mini_program_adoption: float,
        layout: Layout,
        rng: np.random.Generator,
    ):
        """Create the initial workforce.

        Args:
            workers: the ``workers`` block (kinds and traits).
            counts: workers of each kind (``population.workers``).
            behaviour: the ``behaviour`` block (belonging, turnover and learning rates).
            mini_program_adoption: share of newcomers who would use the mini-program when it
                exists (see :func:`model.sim.levers.mini_program_adoption`).
            layout: street layout (for base communities).
            rng: the ``population`` stream.
        """
        self.workers = workers
        self.behaviour = behaviour
        self.mini_program_adoption = mini_program_adoption
        counts = [getattr(counts, k) for k in WORKER_KINDS]
        n = int(sum(counts))
        self.n_communities = layout.n_communities
        self.kind = np.repeat(np.arange(len(WORKER_KINDS), dtype=np.int8), counts)
        self.base = np.zeros(n, dtype=np.int64)
        self.agent_id = np.full(n, -1, dtype=np.int64)
        self.motivation = np.zeros(n)
        self.belonging_base = np.zeros(n)
        self.belonging = np.zeros(n)
        self.trust = np.zeros(n)
        self.registered = np.zeros(n, dtype=bool)
        self.role = np.zeros(n, dtype=np.int8)
        self.insured = np.zeros(n, dtype=bool)
        self.subsidized = np.zeros(n, dtype=bool)
        self.adopted_mini_program = np.zeros(n, dtype=bool)
        self.seat = np.zeros(n, dtype=bool)
        self.points = np.zeros(n)
        self.reports_made = np.zeros(n, dtype=np.int32)
        self.reports_month = np.zeros(n, dtype=np.int32)
        self.last_report_at = np.full(n, -np.inf)
        self.arrived_at = np.zeros(n)
        self.days_online = np.zeros(n, dtype=np.int32)
        self.reports_by_channel = np.zeros((n, len(REPORTER_CHANNELS)), dtype=np.int32)
        self.honours = np.zeros(n, dtype=np.int32)
        # the leavers' records: rows [0, _n_retired) of each column (roster order)
        self._n_retired = 0
        self._retired = {
            key: np.empty((n, *column.shape[1:]), dtype=column.dtype)
            for key, column in self._records(np.zeros(0, dtype=np.int64), np.zeros(0)).items()
        }
        self.base_weights = self._base_weights(layout)
        # running shares of base_weights, for the draw of a newcomer's base community
        self._base_cumulative = np.cumsum(self.base_weights, axis=1)
        n_groups = len(WORKER_KINDS) * self.n_communities
        self.group = np.zeros(n, dtype=np.int64)
        # (n, 24) bin of each slot's hour in Shifts.counts (hour x group), kept by renew
        self._hour_group = np.zeros((n, 24), dtype=np.int64)
        self._n_groups = n_groups
        self._group_of_kind = np.arange(len(WORKER_KINDS), dtype=np.int64) * self.n_communities
        self._profiles = [getattr(workers, k) for k in WORKER_KINDS]
        self._kind_terms()
        self.renew(np.arange(n), rng.random((n, NEWCOMER_DRAWS)), now=0.0)
        self.registered[:] = rng.random(n) < workers.registered_initial

    def __len__(self) -> int:
        return len(self.kind)

    def _kind_terms(self) -> None:
        """Per-slot copies of the terms of each slot's kind, read by the daily submodels.

        A slot keeps its kind for the whole run (only its traits are renewed), so these are
        computed once. Each is the value the per-kind formula gives, gathered per slot, so
        the daily draws compare the same uniforms with the same numbers as a loop over the
        kinds would.
        """
        profiles, kind = self._profiles, self.kind
        # chance to work today, share
        self._work_chance = np.array([p.workdays_per_week / 7.0 for p in profiles])[kind]
        # the kinds' shift start options (hours), one after another; a slot's start is
        # _start_options[_start_offset + int(u * _n_start_options)]
        options = [np.asarray(p.shift_start_hours, dtype=float) for p in profiles]
        self._start_options = np.concatenate(options)
        offsets = np.cumsum([0] + [len(o) for o in options[:-1]])
        self._start_offset = offsets.astype(np.int64)[kind]
        self._n_start_options = np.array([float(len(o)) for o in options])[kind]
        # (n_options, 24) 1.0 from each start option's hour on, 0.0 before it
        self._from_start_hour = (HOURS[None, :] >= self._start_options[:, None]).astype(float)
        # the first hour of each option's row that is 1.0 (24 for none): the rows are 0.0
        # up to the start and 1.0 from it on
        self._first_hour = np.count_nonzero(self._from_start_hour == 0.0, axis=1).astype(np.int64)
        # online hours a working day: mean and standard deviation, hours
        self._hours_mean = np.array([p.online_hours_mean for p in profiles])[kind]
        self._hours_sd = np.array([p.online_hours_sd for p in profiles])[kind]
        # daily turnover hazard 1 - (1 - m) ** (1 / 30) from the monthly turnover m, share
        # (computed on the per-slot array, as the daily formula did before it was cached)
        monthly = np.array([p.monthly_turnover for p in profiles])[kind]
        self._daily_turnover = 1.0 - (1.0 - monthly) ** (1.0 / 30.0)

    def _base_weights(self, layout: Layout) -> np.ndarray:
        """Chance of each base community per kind.

        Riders are based where merchants are, couriers where people live, drivers anywhere
        (assumption).
        """
        merchants = np.bincount(
            layout.community, weights=layout.merchant, minlength=layout.n_communities
        )
        homes = np.bincount(
            layout.community, weights=layout.residential, minlength=layout.n_communities
        )
        flat = np.ones(layout.n_communities)
        weights = np.array([merchants + 0.5 * homes.mean(), homes + 1e-9, flat], dtype=float)
        return weights / weights.sum(axis=1, keepdims=True)

    def renew(self, slots: np.ndarray, draws: np.ndarray, now: float) -> None:
        """Give ``slots`` fresh newcomers: new traits, nothing learned yet.

        Motivation and baseline belonging are normal and clipped to [0, 1]; registration
        on arrival, insurance and mini-program adoption are Bernoulli (assumptions; the
        insured share follows ``no_insurance_share``).

        Args:
            slots: the slots to refill.
            draws: (len(slots), :data:`NEWCOMER_DRAWS`) uniforms, one row per newcomer
                (the initial workforce takes them from the ``population`` stream, later
                newcomers from keyed draws on their slot and day, so that a slot refilled
                on the same day gets the same newcomer in every arm).
            now: hour of arrival.
        """
        if len(slots) == 0:
            return
        # ndarray.clip is what np.clip calls, without its argument handling (a few us a call)
        self._write_newcomers(slots, draws, ndtri(draws[:, 1:3].clip(1e-12, 1.0 - 1e-12)), now)

    def _write_newcomers(
        self, slots: np.ndarray, draws: np.ndarray, z: np.ndarray, now: float
    ) -> None:
        """:meth:`renew` with the normals ``z`` of the draws' second and third uniforms."""
        w = self.workers
        # compiled: the numbers of workforce_forms.newcomer_traits_of (base, group, hour bins in
        # step), and a clean record
        newcomer_traits(
            np.asarray(slots, dtype=np.int64),
            draws,
            z,
            self.kind,
            self._base_cumulative,
            self._group_of_kind,
            self._n_groups,
            w.motivation_mean,
            w.motivation_sd,
            w.belonging_initial,
            self.behaviour.belonging_sd,
            w.registered_at_entry,
            w.insured_share,
            self.mini_program_adoption,
            self.base,
            self.group,
            self._hour_group,
            self.motivation,
            self.belonging_base,
            self.belonging,
            self.registered,
            self.insured,
            self.adopted_mini_program,
            w.trust_initial,  # trust starts here; role NONE, nothing else yet
            float(now),
            self.trust,
            self.role,
            self.subsidized,
            self.seat,
            self.points,
            self.reports_made,
            self.reports_month,
            self.last_report_at,
            self.arrived_at,
            self.days_online,
            self.reports_by_channel,
            self.honours,
        )

    # ------------------------------------------------------------------ the roster

    def _records(self, slots: np.ndarray, left_at: np.ndarray) -> dict[str, np.ndarray]:
        """One record per worker in ``slots``: who, when, what they did (see :meth:`roster`).

        Indexing with the array ``slots`` copies, so the records do not change with the table.
        """
        return {
            "worker_id": self.agent_id[slots],
            "kind": self.kind[slots],
            "community": self.base[slots],
            "entered_at": self.arrived_at[slots],
            "left_at": left_at,
            "days_online": self.days_online[slots],
            "reports_by_channel": self.reports_by_channel[slots],
            "points": self.points[slots],
            "honours": self.honours[slots],
            "registered": self.registered[slots],
            "role": self.role[slots],
            "insured": self.insured[slots],
        }

    def _record_fields(self) -> tuple[np.ndarray, ...]:
        """The arrays a record copies, in roster order (``left_at`` apart; see :meth:`_records`)."""
        return (
            self.agent_id,
            self.kind,
            self.base,
            self.arrived_at,
            self.days_online,
            self.reports_by_channel,
            self.points,
            self.honours,
            self.registered,
            self.role,
            self.insured,
        )

    def _room_for_retired(self, n: int) -> tuple[np.ndarray, ...]:
        """The retired columns, grown (doubled) to hold ``n`` more rows, in roster order."""
        need = self._n_retired + n
        rows = len(self._retired["worker_id"])
        if need > rows:
            rows = max(need, 2 * rows)
            for key, column in self._retired.items():
                grown = np.empty((rows, *column.shape[1:]), dtype=column.dtype)
                grown[: self._n_retired] = column[: self._n_retired]
                self._retired[key] = grown
        return tuple(self._retired.values())

    def retire(self, slots: np.ndarray, now: float) -> None:
        """Keep the records of the workers in ``slots``, who leave at hour ``now``.

        The model calls :meth:`turn_over`, which does this within its one compiled call; the
        tests hold it to this step and :meth:`leaving` and :meth:`renew`.

        The rows of :meth:`_records` (``left_at`` = ``now``), copied by the compiled
        :func:`model.sim.daily_kernels.retired_rows` after the rows kept before.
        """
        if len(slots):
            slots = np.asarray(slots, dtype=np.int64)
            columns = self._room_for_retired(len(slots))
            retired_rows(slots, self._record_fields(), float(now), columns, self._n_retired)
            self._n_retired += len(slots)

    def roster(self) -> dict[str, np.ndarray]:
        """Every worker ever present, leavers first (in order of leaving), then those present.

        Returns:
            Arrays by field: ``worker_id`` (Mesa id), ``kind`` and ``community`` (codes),
            ``entered_at`` and ``left_at`` (hours; ``left_at`` NaN = present at the end),
            ``days_online``, ``reports_by_channel`` (n, n_reporter_channels), ``points``,
            ``honours``, ``registered``, ``role`` (code) and ``insured`` (at leaving or at
            the end).
        """
        present = np.arange(len(self))
        now = self._records(present, np.full(len(present), np.nan))
        k = self._n_retired
        return {key: np.concatenate([self._retired[key][:k], now[key]]) for key in now}

    # ------------------------------------------------------------------ daily submodels

    def draw_shifts(self, rng: np.random.Generator) -> Shifts:
        """Draw today's shifts.

        A worker works today with chance ``workdays_per_week / 7``, starts at one of the
        kind's ``shift_start_hours`` and stays online a normal number of hours (clipped to
        1-16; source: ``daily_online_hours_rider`` for riders). Shifts end at midnight.

        The shifts are worked out by the compiled :func:`model.sim.daily_kernels.shift_table`,
        which gives the numbers of the vectorised form
        :func:`model.sim.workforce_forms.shifts_of`, bit for bit.

        Args:
            rng: the ``movement`` stream.

        Returns:
            Today's shifts.
        """
        n = len(self)
        # one block of 2 x n uniforms is the same numbers as two rows drawn one after the other
        u_work, u_start = rng.random((2, n))
        z = rng.standard_normal(n)
        online, counts, hours, end = shift_table(
            u_work,
            u_start,
            z,
            self._work_chance,
            self._start_offset,
            self._n_start_options,
            self._start_options,
            self._first_hour,
            self._hours_mean,
            self._hours_sd,
            self._hour_group,
            24 * self._n_groups,
        )
        counts = counts.reshape(24, len(WORKER_KINDS), self.n_communities)
        return Shifts(online=online, counts=counts, hours=hours, end=end)

    def leaving(self, rng: np.random.Generator) -> np.ndarray:
        """Slots whose worker leaves today (turnover).

        The model calls :meth:`turn_over`, which draws the same leavers in its one compiled
        call; the tests hold it to this step.

        A worker leaves when his uniform falls below his daily hazard ``1 - (1 - m) ** (1 /
        30)`` from the kind's monthly turnover ``m`` (source: ``monthly_turnover_crowdsourced``
        for riders), times ``exp(-e * (belonging - belonging_initial))`` and the insured factor
        (assumption), compared by the compiled :func:`model.sim.daily_kernels.leaving_slots`;
        the numpy form of the hazard is :func:`model.sim.workforce_forms.leaving_hazard`.

        Args:
            rng: the ``turnover`` stream.

        Returns:
            Indices of leaving slots.
        """
        b = self.behaviour
        return leaving_slots(
            rng.random(len(self)),
            self.belonging,
            self.insured,
            self._daily_turnover,
            b.turnover_belonging_elasticity,
            self.workers.belonging_initial,
            b.turnover_insured_factor,
        )

    def turn_over(
        self, rng: np.random.Generator, newcomer_state: np.uint64, day: int, now: float
    ) -> np.ndarray:
        """Today's turnover in the table: who leaves, their records kept, their newcomers.

        What :meth:`leaving`, :meth:`retire` (at hour ``now``) and :meth:`renew` (with the
        keyed draws of :func:`model.sim.model.newcomer_draws`) do one after the other, the
        first three steps in one call of the compiled
        :func:`model.sim.daily_kernels.turnover_rows` (tests/sim/test_daily_kernels.py
        holds the two ways to the same table).

        Args:
            rng: the ``turnover`` stream.
            newcomer_state: the ``newcomer`` purpose's state of the keyed draws
                (``KeyedDraws.state("newcomer")``).
            day: today (the newcomers' draws are keyed on slot and day).
            now: hour of leaving and of arrival.

        Returns:
            Indices of the slots refilled today (their Mesa agents are the caller's).
        """
        b = self.behaviour
        u = rng.random(len(self))
        columns = self._room_for_retired(len(self))  # room for all: nobody is counted yet
        slots, draws, clipped = turnover_rows(
            u,
            self._daily_turnover,
            b.turnover_belonging_elasticity,
            self.workers.belonging_initial,
            b.turnover_insured_factor,
            self._record_fields(),
            self.belonging,
            float(now),
            columns,
            self._n_retired,
            newcomer_state,
            day,
            NEWCOMER_DRAWS,
        )
        self._n_retired += len(slots)
        if len(slots):  # renew, with the uniforms of the normals clipped in the kernel
            self._write_newcomers(slots, draws, ndtri(clipped), now)
        return slots

    def register(self, rng: np.random.Generator, extra_hazard: np.ndarray | float) -> np.ndarray:
        """Unregistered workers who register (报到) today.

        Daily hazard ``registration_daily_hazard`` (fitted to ``registered_share``) plus
        ``extra_hazard`` from the levers (posts drive, publicists, upgraded stations; see
        :mod:`model.sim.levers` and :mod:`model.sim.stations`). The hazard is not clipped to
        [0, 1]: a uniform in [0, 1) falls below it exactly when it falls below the clipped
        hazard. Worked out by the compiled :func:`model.sim.daily_kernels.registering_slots`;
        the numpy form is :func:`model.sim.workforce_forms.newly_registered`.

        Args:
            rng: the ``registration`` stream.
            extra_hazard: (n_workers,) extra daily hazard per worker (or one for all), share.

        Returns:
            Indices of newly registered slots.
        """
        n = len(self)
        if not isinstance(extra_hazard, np.ndarray):  # one hazard for all
            extra_hazard = np.full(n, float(extra_hazard))
        # compiled: the slots of workforce_forms.newly_registered, marked registered
        return registering_slots(
            rng.random(n), self.registered, self.workers.registration_daily_hazard, extra_hazard
        )

    def assign_posts(
        self, slots: np.ndarray, rng: np.random.Generator, share: float, matching: bool
    ) -> np.ndarray:
        """Give designated posts to a share of newly registered workers.

        With skill matching, the post fits the kind: riders (who talk to residents and see
        kitchens) become informants, couriers (who enter buildings) safety patrols, drivers
        (who cover the whole street) policy publicists; without it the post is random.

        Returns:
            Slots that received a post.
        """
        chosen = slots[rng.random(len(slots)) < share]
        if matching:
            self.role[chosen] = MATCHED_POST[self.kind[chosen]]
        else:
            self.role[chosen] = rng.integers(Role.INFORMANT, len(Role), size=len(chosen))
        return chosen

    def update_belonging(self, honours_spillover: float) -> None:
        """Move belonging a share of the way to its target.

        Target = individual baseline + gains from registration, a post, insurance and the
        publicity of honours for registered workers, clipped to [0, 1] (assumptions; its
        numpy form is :func:`model.sim.workforce_forms.belonging_target`). Worked out by the
        compiled :func:`model.sim.daily_kernels.move_belonging`, the numbers of ``belonging +=
        belonging_adjust_per_day * (target - belonging)``.
        """
        b = self.behaviour
        move_belonging(
            self.belonging,
            self.belonging_base,
            self.registered,
            self.role,
            self.insured,
            b.belonging_registered_gain,
            b.belonging_role_gain,
            b.belonging_insured_gain,
            honours_spillover,
            b.belonging_adjust_per_day,
        )

    def bump_belonging(self, slots: np.ndarray, amount: float | np.ndarray) -> None:
        """Add ``amount`` of belonging to ``slots`` (negative lowers), kept within [0, 1]."""
        self.belonging[slots] = np.clip(self.belonging[slots] + amount, 0.0, 1.0)

    def learn(self, slot: int, signal: float) -> None:
        """Delta-rule trust update from one outcome signal, and belonging from a success."""
        b = self.behaviour
        self.trust[slot] += b.trust_learning_rate * (signal - self.trust[slot])
        if signal >= 1.0:
            self.belonging[slot] = min(1.0, self.belonging[slot] + b.belonging_success_bump)
