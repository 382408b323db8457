"""The daily submodels, compiled: shifts, turnover, belonging, station visits, own problems.

The daily submodels (run at midnight by :meth:`model.sim.model.StreetModel.start_day`) work
on arrays of about a thousand workers, where the fixed cost of each numpy call, not the
arithmetic, sets the time. The kernels here do the same arithmetic one worker at a time,
bit for bit, each beside a plain vectorised form that stays the readable truth (and is
what the per-worker references are compared with); ``tests/sim/test_daily_kernels.py``
holds each kernel to its form:

- :func:`shift_table` (for :meth:`~model.sim.workforce.WorkerTable.draw_shifts`; form:
  :func:`~model.sim.workforce_forms.shifts_of`): a worker works today when his
  uniform falls below his kind's chance to work; his start is his kind's start option
  ``offset + int(u * n_options)``; his hours are ``clip(mean + sd * z, 1, 16)``, at most
  ``24 - start``, 0 off work; his share of hour ``h`` online is ``clip(start + hours - h,
  0, 1)`` from the start hour on (times 1.0), 0 before it (times 0.0); the online counts by
  hour and group add the shares worker by worker, as ``np.bincount`` with weights adds them
  (left to right over the flat table, slot by slot, hour by hour). Shares of 0 are skipped
  (adding 0.0 to a count, which is never -0.0, changes no bit), so a worker off work or an
  hour outside his shift costs nothing.
- :func:`leaving_slots` (for :meth:`~model.sim.workforce.WorkerTable.leaving`; form:
  :func:`~model.sim.workforce_forms.leaving_hazard`): who leaves today.
- :func:`retired_rows` (for :meth:`~model.sim.workforce.WorkerTable.retire`; form:
  :meth:`~model.sim.workforce.WorkerTable._records`): the leavers' records, kept.
- :func:`turnover_rows` (for :meth:`~model.sim.workforce.WorkerTable.turn_over`): who
  leaves, their records and their newcomers' draws in one call (:func:`leaving_slots`,
  :func:`retired_rows`, :func:`newcomer_uniforms`).
- :func:`registering_slots` (for :meth:`~model.sim.workforce.WorkerTable.register`; form:
  :func:`~model.sim.workforce_forms.newly_registered`): who registers (报到) today.
- :func:`move_belonging` (for :meth:`~model.sim.workforce.WorkerTable.update_belonging`;
  form: :func:`~model.sim.workforce_forms.belonging_target`): belonging moves towards
  its target.
- :func:`newcomer_uniforms` (for :func:`turnover_rows` and
  :func:`model.sim.model.newcomer_draws`; form: :meth:`model.sim.streams.KeyedDraws.uniform`):
  the keyed draws of the day's newcomers.
- :func:`station_visitors` (for :func:`model.sim.stations.station_visits`; forms:
  :func:`model.sim.stations.station_demand` and :func:`model.sim.stations.visitors`): who
  stops at a station, within the stations' room.
- :func:`own_problem_bumps` (for :func:`model.sim.levers.own_problems`; form:
  :func:`model.sim.levers.own_problem_changes`): workers' own problems and their belonging.
- :func:`newcomer_traits` (for :meth:`~model.sim.workforce.WorkerTable.renew`; form:
  :func:`~model.sim.workforce_forms.newcomer_traits_of`): a newcomer's drawn traits
  and his clean record.
- :func:`channel_rows` (for :meth:`model.sim.decisions.WorkerChannelTable.refresh`; form:
  :func:`model.sim.decisions.worker_channels`): the channels each worker can use.

``math.exp`` here calls the C library's ``exp``, which numpy uses for float64 wherever its
AVX-512 code is off, as the package keeps it (``model.PORTABLE_NUMERICS_ENV``; with that code
on, the two may differ in the last bit);
:func:`~model.sim.compiled_arithmetic.numpy_clip` is ``np.clip`` of one number. Arrays only
(numba compiles them, cached on disk beside this file); the callers pass the per-slot terms
the worker table keeps (:meth:`~model.sim.workforce.WorkerTable._kind_terms`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from model.sim.compiled_arithmetic import keyed_step, keyed_unit, numpy_clip, numpy_sum


@njit(cache=True)
def shift_table(
    u_work: np.ndarray,
    u_start: np.ndarray,
    z: np.ndarray,
    work_chance: np.ndarray,
    start_offset: np.ndarray,
    n_start_options: np.ndarray,
    start_options: np.ndarray,
    first_hour: np.ndarray,
    hours_mean: np.ndarray,
    hours_sd: np.ndarray,
    hour_group: np.ndarray,
    n_bins: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Today's shifts from the day's draws.

    Args:
        u_work: (n,) uniforms: works today.
        u_start: (n,) uniforms: the start option.
        z: (n,) standard normals: the length of the shift.
        work_chance: (n,) chance to work today, share.
        start_offset: (n,) index of the slot's kind's first option in ``start_options``.
        n_start_options: (n,) the kind's number of start options (a float, as in the
            vectorised form's product).
        start_options: (n_options,) the kinds' start hours, one kind after another.
        first_hour: (n_options,) the first hour of day at or after each option's start
            (24 for none): where its row of the vectorised form's 1.0 / 0.0 table of the
            hours from the start on turns 1.0.
        hours_mean: (n,) mean online hours of a working day, hours.
        hours_sd: (n,) their standard deviation, hours.
        hour_group: (n, 24) bin (hour x group) of each slot's hour in the counts.
        n_bins: bins of the counts (24 x groups).

    Returns:
        ``(online, counts, hours, end)``: (n, 24) share of each hour online, (n_bins,)
        online workers by bin, (n,) hours online today, (n,) hour the shift ends (NaN off
        work).
    """
    n = len(u_work)
    online = np.empty((n, 24))
    counts = np.zeros(n_bins)
    hours = np.empty(n)
    end = np.empty(n)
    for i in range(n):
        works = u_work[i] < work_chance[i]
        option = start_offset[i] + np.int64(u_start[i] * n_start_options[i])
        start = start_options[option]
        length = numpy_clip(hours_mean[i] + hours_sd[i] * z[i], 1.0, 16.0)
        length = min(length, 24.0 - start) if works else 0.0
        shift_end = start + length
        hours[i] = length
        end[i] = shift_end if works else np.nan
        online[i, :] = 0.0
        if not works:
            continue  # start + 0 hours: no hour's share is above 0
        # before the first hour a share is times 0.0, which is 0.0; from it on times 1.0,
        # which changes no bit: the hours from the first on are written, as they are
        for h in range(first_hour[option], 24):
            left = shift_end - float(h)
            if left <= 0.0:
                break  # the shift is over: this hour's share and every later one are 0
            share = min(left, 1.0)
            online[i, h] = share
            # the counts start at +0.0 and only grow: adding a 0.0 share changes no bit,
            # so only the hours online are added, in the order bincount adds them
            counts[hour_group[i, h]] += share
    return online, counts, hours, end


@njit(cache=True)
def leaving_slots(
    u: np.ndarray,
    belonging: np.ndarray,
    insured: np.ndarray,
    daily_turnover: np.ndarray,
    elasticity: float,
    belonging_initial: float,
    insured_factor: float,
) -> np.ndarray:
    """Slots whose worker leaves today: ``u < hazard``.

    :func:`model.sim.workforce_forms.leaving_hazard` is the vectorised hazard.

    The hazard of slot ``i`` is ``daily_turnover[i] * (exp(-elasticity * (belonging[i] -
    belonging_initial)) * (insured_factor if insured[i] else 1.0))``, in that order.

    Returns:
        Indices of leaving slots, ascending (as ``np.flatnonzero``).
    """
    n = len(u)
    slots = np.empty(n, dtype=np.int64)
    k = 0
    minus_elasticity = -elasticity
    # a bound above every factor of a belonging within [-0.1, 1.1]: |exponent| <= |e| * (1.1
    # + |belonging_initial|), and the insured factor is at most max(f, 1); the margin of
    # 1e-6 is far above the rounding of exp and of the products. A worker whose uniform is
    # at or above ``daily_turnover * bound`` (with a hazard >= 0) stays whatever his factor:
    # the rounded product is monotone, so his own hazard is at most that. Most workers stay
    # so without an exp; NaN anywhere fails the test and takes the exact comparison.
    bound = math.exp(abs(elasticity) * (1.1 + abs(belonging_initial)))
    bound *= (insured_factor if insured_factor > 1.0 else 1.0) * (1.0 + 1e-6)
    for i in range(n):
        if (
            daily_turnover[i] >= 0.0
            and u[i] >= daily_turnover[i] * bound
            and -0.1 <= belonging[i] <= 1.1
        ):
            continue
        factor = math.exp(minus_elasticity * (belonging[i] - belonging_initial))
        factor *= insured_factor if insured[i] else 1.0
        if u[i] < daily_turnover[i] * factor:
            slots[k] = i
            k += 1
    return slots[:k].copy()


@njit(cache=True)
def retired_rows(
    slots: np.ndarray,
    fields: tuple,
    now: float,
    columns: tuple,
    at: int,
) -> None:
    """Copy the leavers' records into rows ``at, at + 1, ...`` of the retired columns.

    For :meth:`~model.sim.workforce.WorkerTable.retire`: the workers in ``slots`` leave at
    hour ``now``.

    The numbers of ``field[slots]`` for each field, and ``now`` as ``left_at``.

    Args:
        slots: the leavers' slots.
        fields: the table's ``(agent_id, kind, base, arrived_at, days_online,
            reports_by_channel, points, honours, registered, role, insured)``.
        now: hour of leaving.
        columns: the retired columns in roster order (``worker_id, kind, community,
            entered_at, left_at, days_online, reports_by_channel, points, honours,
            registered, role, insured``), with room for the rows.
        at: first row to write.
    """
    (agent_id, kind, base, arrived_at, days_online, by_channel, points, honours, registered,
     role, insured) = fields  # fmt: skip
    (c_id, c_kind, c_community, c_entered, c_left, c_days, c_channel, c_points, c_honours,
     c_registered, c_role, c_insured) = columns  # fmt: skip
    for j in range(len(slots)):
        s = slots[j]
        r = at + j
        c_id[r] = agent_id[s]
        c_kind[r] = kind[s]
        c_community[r] = base[s]
        c_entered[r] = arrived_at[s]
        c_left[r] = now
        c_days[r] = days_online[s]
        c_channel[r, :] = by_channel[s, :]
        c_points[r] = points[s]
        c_honours[r] = honours[s]
        c_registered[r] = registered[s]
        c_role[r] = role[s]
        c_insured[r] = insured[s]


@njit(cache=True)
def turnover_rows(
    u: np.ndarray,
    daily_turnover: np.ndarray,
    elasticity: float,
    belonging_initial: float,
    insured_factor: float,
    fields: tuple,
    belonging: np.ndarray,
    now: float,
    columns: tuple,
    at: int,
    newcomer_state: np.uint64,
    day: int,
    n_draws: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's leavers, their records kept, and their newcomers' uniforms, in one call.

    :func:`leaving_slots` (the insured flags are ``fields[10]``), then :func:`retired_rows`
    and :func:`newcomer_uniforms` on the leavers: what
    :meth:`~model.sim.workforce.WorkerTable.leaving`, ``retire`` and
    :func:`model.sim.model.newcomer_draws` give one after the other.

    Returns:
        ``(slots, draws, clipped)``: the leavers' slots, ascending, (len(slots), ``n_draws``)
        uniforms of their newcomers, and their second and third uniforms clipped to [1e-12,
        1 - 1e-12] (``np.clip(draws[:, 1:3], ...)``, for the normals of the newcomers'
        traits).
    """
    slots = leaving_slots(
        u, belonging, fields[10], daily_turnover, elasticity, belonging_initial, insured_factor
    )
    retired_rows(slots, fields, now, columns, at)
    draws = newcomer_uniforms(newcomer_state, day, slots, n_draws)
    clipped = np.empty((len(slots), 2))
    for i in range(len(slots)):
        for j in range(2):
            clipped[i, j] = numpy_clip(draws[i, 1 + j], 1e-12, 1.0 - 1e-12)
    return slots, draws, clipped


@njit(cache=True)
def registering_slots(
    u: np.ndarray, registered: np.ndarray, base_hazard: float, extra_hazard: np.ndarray
) -> np.ndarray:
    """Unregistered slots that register today, marked registered in place.

    :func:`model.sim.workforce_forms.newly_registered` is the vectorised form: slot ``i``
    registers when it is not registered yet and ``u[i] < base_hazard + extra_hazard[i]``.

    Args:
        u: (n_workers,) the day's uniforms.
        registered: (n_workers,) registered (报到) already; the slots that register are set.
        base_hazard: daily registration hazard of every worker, share.
        extra_hazard: (n_workers,) extra daily hazard from the levers, share.

    Returns:
        Indices of the slots that register, ascending (as ``np.flatnonzero``).
    """
    n = len(u)
    slots = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if not registered[i] and u[i] < base_hazard + extra_hazard[i]:
            registered[i] = True
            slots[k] = i
            k += 1
    return slots[:k].copy()


@njit(cache=True)
def move_belonging(
    belonging: np.ndarray,
    belonging_base: np.ndarray,
    registered: np.ndarray,
    role: np.ndarray,
    insured: np.ndarray,
    registered_gain: float,
    role_gain: float,
    insured_gain: float,
    honours_spillover: float,
    adjust_per_day: float,
) -> None:
    """Belonging moves a share of the way to its target, in place.

    :func:`model.sim.workforce_forms.belonging_target` is the vectorised target.

    Target ``base + registered_gain * registered + role_gain * (role != 0) + insured_gain *
    insured`` (each flag as 1.0 or 0.0, added left to right), ``+ honours_spillover *
    registered`` when the spillover is not 0, clipped to [0, 1]; belonging ``+=
    adjust_per_day * (target - belonging)``.
    """
    for i in range(len(belonging)):
        target = (
            belonging_base[i]
            + registered_gain * (1.0 if registered[i] else 0.0)
            + role_gain * (1.0 if role[i] != 0 else 0.0)
            + insured_gain * (1.0 if insured[i] else 0.0)
        )
        if honours_spillover != 0.0:
            target += honours_spillover * (1.0 if registered[i] else 0.0)
        belonging[i] += adjust_per_day * (numpy_clip(target, 0.0, 1.0) - belonging[i])


@njit(cache=True)
def newcomer_uniforms(
    purpose_state: np.uint64, day: int, slots: np.ndarray, n_draws: int
) -> np.ndarray:
    """The newcomers' uniforms (see :func:`model.sim.model.newcomer_draws`).

    The numbers of ``KeyedDraws.uniform("newcomer", day, slots[:, None],
    np.arange(n_draws)[None, :])``.

    Args:
        purpose_state: the ``newcomer`` purpose's state (``draws.state("newcomer")``).
        day: the day the slots are refilled.
        slots: (n,) the slots refilled.
        n_draws: uniforms per newcomer.

    Returns:
        (n, n_draws) uniforms in [0, 1).
    """
    day_state = keyed_step(purpose_state, np.int64(day))
    out = np.empty((len(slots), n_draws))
    for i in range(len(slots)):
        slot_state = keyed_step(day_state, slots[i])
        for j in range(n_draws):
            out[i, j] = keyed_unit(keyed_step(slot_state, np.int64(j)))
    return out


@njit(cache=True)
def station_visitors(
    u_visit: np.ndarray,
    u_station: np.ndarray,
    group: np.ndarray,
    works: np.ndarray,
    reach_by_group: np.ndarray,
    share_by_group: np.ndarray,
    cumulative_share_by_station: np.ndarray,
    pulled_by_group: np.ndarray,
    visit_probability: float,
    capacity: float,
    belonging: np.ndarray,
    bump: float,
) -> np.ndarray:
    """Who stops at a station today; each visitor's belonging gains ``bump`` (in place).

    The vectorised form is :func:`model.sim.stations.station_demand` followed by
    :func:`model.sim.stations.visitors`; the numbers here are theirs:

    - a worker's wish to stop is ``visit_probability * reach_by_group[g] * works`` (his
      flag as 1.0 or 0.0), left to right;
    - a station's expected visitors add ``wish * share_by_group[g, s]`` over the workers as
      numpy's ``(n, S).sum(axis=0)`` adds them: with two stations or more, row after row
      (a running sum per station, from 0); with one, numpy sums the single column as a
      contiguous row, pairwise (:func:`~model.sim.compiled_arithmetic.numpy_sum`);
    - its room is ``min(1, capacity / max(expected, 1e-12))``;
    - the station a worker heads for is the count of his group's running shares (all but
      the last station's) his ``u_station`` reaches; he stops when his group is pulled by
      some station and ``u_visit < wish * room[station]``, and his belonging becomes
      ``clip(belonging + bump, 0, 1)``.

    Args:
        u_visit: (n,) uniforms: stops or not.
        u_station: (n,) uniforms: the station he heads for.
        group: (n,) worker group (kind x base).
        works: (n,) works today.
        reach_by_group: (n_groups,) share of the group's passes within reach of a station.
        share_by_group: (n_groups, n_stations) each station's share of the group's pull.
        cumulative_share_by_station: (n_stations, n_groups) running shares of the stations.
        pulled_by_group: (n_groups,) some station pulls the group.
        visit_probability: ``visit_daily_probability``, share.
        capacity: ``capacity_visits_per_day``, visits.
        belonging: (n,) belonging, share (the visitors' is raised).
        bump: belonging a visit brings, share.

    Returns:
        Slots of the visitors, ascending.
    """
    n = len(u_visit)
    n_stations = share_by_group.shape[1]
    wants = np.empty(n)
    for i in range(n):
        wants[i] = visit_probability * reach_by_group[group[i]] * (1.0 if works[i] else 0.0)
    demand = np.zeros(n_stations)
    if n_stations == 1:
        column = np.empty(n)
        for i in range(n):
            column[i] = wants[i] * share_by_group[group[i], 0]
        demand[0] = numpy_sum(column, 0, n)
    else:
        for i in range(n):
            for s in range(n_stations):
                demand[s] += wants[i] * share_by_group[group[i], s]
    room = np.empty(n_stations)
    for s in range(n_stations):
        expected = demand[s] if demand[s] > 1e-12 else 1e-12
        free = capacity / expected
        room[s] = free if free < 1.0 else 1.0
    visits = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        g = group[i]
        station = 0
        for s in range(n_stations - 1):
            if u_station[i] >= cumulative_share_by_station[s, g]:
                station += 1
        if pulled_by_group[g] and u_visit[i] < wants[i] * room[station]:
            visits[k] = i
            k += 1
            belonging[i] = numpy_clip(belonging[i] + bump, 0.0, 1.0)
    return visits[:k].copy()


@njit(cache=True)
def own_problem_bumps(
    u_problem: np.ndarray,
    u_solved: np.ndarray,
    daily_chance: float,
    solve_probability: float,
    gain: float,
    loss: float,
    belonging: np.ndarray,
) -> None:
    """Workers' own problems of the day move their belonging, in place.

    A worker has a problem when ``u_problem < daily_chance``; it is solved when ``u_solved
    < solve_probability``, and his belonging becomes ``clip(belonging + gain, 0, 1)``, else
    ``clip(belonging + loss, 0, 1)`` (``loss`` is negative).
    :func:`model.sim.levers.own_problem_changes` is the vectorised form.
    """
    for i in range(len(u_problem)):
        if u_problem[i] < daily_chance:
            amount = gain if u_solved[i] < solve_probability else loss
            belonging[i] = numpy_clip(belonging[i] + amount, 0.0, 1.0)


@njit(cache=True)
def newcomer_traits(
    slots: np.ndarray,
    draws: np.ndarray,
    z: np.ndarray,
    kind: np.ndarray,
    base_cumulative: np.ndarray,
    group_of_kind: np.ndarray,
    n_groups: int,
    motivation_mean: float,
    motivation_sd: float,
    belonging_initial: float,
    belonging_sd: float,
    registered_at_entry: float,
    insured_share: float,
    mini_program_adoption: float,
    base: np.ndarray,
    group: np.ndarray,
    hour_group: np.ndarray,
    motivation: np.ndarray,
    belonging_base: np.ndarray,
    belonging: np.ndarray,
    registered: np.ndarray,
    insured: np.ndarray,
    adopted_mini_program: np.ndarray,
    trust_initial: float,
    now: float,
    trust: np.ndarray,
    role: np.ndarray,
    subsidized: np.ndarray,
    seat: np.ndarray,
    points: np.ndarray,
    reports_made: np.ndarray,
    reports_month: np.ndarray,
    last_report_at: np.ndarray,
    arrived_at: np.ndarray,
    days_online: np.ndarray,
    reports_by_channel: np.ndarray,
    honours: np.ndarray,
) -> None:
    """Write the newcomers in ``slots`` into the worker table's arrays: drawn traits, clean record.

    :func:`model.sim.workforce_forms.newcomer_traits_of` is the vectorised form. For
    newcomer ``i`` in slot ``s`` of kind ``k``: his base is the count of his kind's running
    base shares his first uniform exceeds, at most the last community; his group is
    ``group_of_kind[k] + base`` and his hour bins ``h * n_groups + group``; motivation and
    baseline belonging are ``clip(mean + sd * z, 0, 1)`` (``z`` the normals of his second
    and third uniforms), and belonging starts at the baseline; he is registered, insured and
    would use the mini-program when his fourth, fifth and sixth uniforms fall below their
    shares. Nothing is learned yet: trust is ``trust_initial``, he arrives at ``now`` (hours)
    with no post (code 0), no subsidy, no seat, no points, reports, days online or honours,
    and no report yet (his latest at -inf).
    """
    n_communities = base_cumulative.shape[1]
    for i in range(len(slots)):
        slot = slots[i]
        k = kind[slot]
        count = 0
        for c in range(n_communities):
            if draws[i, 0] > base_cumulative[k, c]:
                count += 1
        b = min(count, n_communities - 1)
        base[slot] = b
        g = group_of_kind[k] + b
        group[slot] = g
        for h in range(24):
            hour_group[slot, h] = h * n_groups + g
        motivation[slot] = numpy_clip(motivation_mean + motivation_sd * z[i, 0], 0.0, 1.0)
        b0 = numpy_clip(belonging_initial + belonging_sd * z[i, 1], 0.0, 1.0)
        belonging_base[slot] = b0
        belonging[slot] = b0
        registered[slot] = draws[i, 3] < registered_at_entry
        insured[slot] = draws[i, 4] < insured_share
        adopted_mini_program[slot] = draws[i, 5] < mini_program_adoption
        trust[slot] = trust_initial
        role[slot] = 0
        subsidized[slot] = False
        seat[slot] = False
        points[slot] = 0.0
        reports_made[slot] = 0
        reports_month[slot] = 0
        last_report_at[slot] = -np.inf
        arrived_at[slot] = now
        days_online[slot] = 0
        reports_by_channel[slot, :] = 0
        honours[slot] = 0


@njit(cache=True)
def channel_rows(
    registered: np.ndarray,
    adopted_mini_program: np.ndarray,
    station_by_group: np.ndarray,
    group: np.ndarray,
    role: np.ndarray,
    seat: np.ndarray,
    no_post: int,
    rows_office_open: np.ndarray,
    rows_office_closed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each worker's row of the channels he can use, offices open and closed.

    For :meth:`model.sim.decisions.WorkerChannelTable.refresh`: a worker's combination is
    ``8 * registered + 4 * adopted + 2 * station in reach (by his group) + holds a post or a
    seat``, and his rows are the combination's rows of the two tables of 16 rows (worked
    out by :func:`model.sim.decisions.worker_channels`, which the table is tested against).

    Returns:
        ``(office_open, office_closed)``: (n, n_channels) booleans each.
    """
    n, n_channels = len(registered), rows_office_open.shape[1]
    office_open = np.empty((n, n_channels), dtype=np.bool_)
    office_closed = np.empty((n, n_channels), dtype=np.bool_)
    for i in range(n):
        code = 8 if registered[i] else 0
        code += 4 if adopted_mini_program[i] else 0
        code += 2 if station_by_group[group[i]] else 0
        code += 1 if (role[i] != no_post or seat[i]) else 0
        for c in range(n_channels):
            office_open[i, c] = rows_office_open[code, c]
            office_closed[i, c] = rows_office_closed[code, c]
    return office_open, office_closed
