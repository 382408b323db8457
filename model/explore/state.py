"""The explorer's adapter: the one module that reads the street model and its schema.

Everything the page shows comes through here as plain numpy snapshots; ``drawing`` and
``app`` never touch the model. A move of the model to another package changes only the
imports and the few lines that read it. What this module reads:

- ``model.sim.model.StreetModel(config, seed=...)`` and its ``advance_hour()``; ``.config``,
  ``.seed``, ``.days`` (the simulated horizon), ``.hours_elapsed`` and ``.running`` (which
  SolaraViz reads); ``.results().outcomes`` for the rates to date (the tests also read
  ``.streams``, ``.rng``, ``.random`` and ``.results()``'s tables);
- ``.layout`` (``model.sim.space.Layout``): ``cells_x``, ``cells_y``, ``cell_size_m``,
  ``community``, ``road`` and ``xy()``;
- the fixed places on the Mesa grid, through ``.agents_by_type``: ``CommunityOffice``,
  ``Station``, ``Merchant`` and ``ResidentialBuilding`` agents (``model.sim.space``) with
  their ``cell.coordinate`` and ``community`` — the map draws the places where the grid
  holds them;
- ``.workforce``: ``kind`` and ``base`` per slot, ``len()``; ``.shifts.online`` (workers x 24
  share of each hour online; None before the first hour);
- ``.issues``: ``x``, ``y``, ``type``, ``status``; ``.arrived``;
- ``.recorder.rows[-1]``, the day's row: ``day``, ``open_issues``, ``reports_<channel>``,
  ``workforce``, ``active_participants``, ``registered_share``, ``mean_belonging``,
  ``cost_to_date_yuan``;
- the outcome names ``response_rate``, ``resolved_share``, ``satisfaction_rate`` and
  ``worker_participation_rate`` of the outcome contract (``model.outcomes``), to date;
- ``model.sim.space.exposure_matrices(config.workers, layout)``; the codes ``WORKER_KINDS``,
  ``ISSUE_TYPES``, ``CHANNELS`` and ``IssueStatus`` (``model.config.codes``); the schema
  ``ScenarioConfig`` (fields' ``ge``/``le``/``gt`` and defaults) with ``build_config`` and
  ``set_dotted`` (``model.config.loading``).

``ExplorerStreet`` adds ``series``, ``sampler``, ``plan``, ``snapshot()`` and ``hours_done``
to the model; the model must not use these names. Being the explorer's only contact with the
model is why this module is longer than 500 lines: everything the page needs from the
model, and nothing else, is here.

Where workers are shown. The model does not move workers cell by cell: an online worker's
exposure is a rate of passes spread over its route zone (``exposure_matrices``). The map
therefore shows each worker online in the hour just simulated at one cell drawn from that
same distribution: its kind's pass weights over the zone of its base community. The draw
uses a display stream of its own, ``SeedSequence(entropy=seed, spawn_key=(DISPLAY_SPAWN_KEY,
hour))``, created afresh for every hour shown. It never draws from (or advances) the
simulation's named streams, so a run watched in the explorer has exactly the outcomes of the
same run without it, and the picture of an hour is the same whichever hours were shown
before. The positions are an illustration of where that kind works, not a trajectory.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from model.config.codes import CHANNELS, ISSUE_TYPES, WORKER_KINDS, IssueStatus
from model.config.loading import build_config, set_dotted
from model.config.scenario import ScenarioConfig
from model.sim.model import StreetModel
from model.sim.space import (
    CommunityOffice,
    Merchant,
    Place,
    ResidentialBuilding,
    Station,
    exposure_matrices,
)

KIND_NAMES: tuple[str, ...] = WORKER_KINDS
"""Worker kinds in the order of ``StreetNow.worker_kind`` codes."""

ISSUE_TYPE_NAMES: tuple[str, ...] = ISSUE_TYPES
"""Issue types in the order of ``StreetNow.issue_type`` codes."""

OPEN_STATUS_NAMES: tuple[str, ...] = tuple(
    s.name.lower() for s in IssueStatus if s < IssueStatus.RESOLVED
)
"""Statuses of an open issue (not fixed, closed, escalated or lapsed), in code order."""

CHANNEL_NAMES: tuple[str, ...] = CHANNELS
"""Report channels, in the order of ``DaySeries.reports_to_date`` columns."""

DISPLAY_SPAWN_KEY = 2_000_003
"""First spawn-key word of the display stream; the simulation's streams use ``(index,)``
with index < ``len(STREAM_NAMES)`` and replicate seeds ``(1_000_003, r)``
(``model.sim.streams``), so this key is never theirs."""

DEFAULT_SEED = 1
"""Seed of the street the page opens with."""

SEED_RANGE = (0, 1000)
"""Seeds offered by the page's slider (the command line takes any non-negative integer)."""

UNBOUNDED_CAP = 4
"""Where the schema sets no upper bound, a slider stops at this multiple of the default."""

LEVER_KEYS: tuple[str, ...] = (
    "policies.posts.enabled",
    "policies.points.enabled",
    "policies.points.yuan_per_point",
    "policies.honours.enabled",
    "policies.insurance.enabled",
    "policies.insurance.coverage_target",
    "policies.waiver.enabled",
    "policies.one_stop.enabled",
    "policies.mini_program.enabled",
    "policies.mini_program.feedback",
    "policies.stations.count",
    "policies.stations.upgraded",
    "policies.deliberation.enabled",
    "policies.deliberation.seats_per_community",
)
"""The main policy levers the page offers (scenario keys, as for ``--set``)."""

POPULATION_KEYS: tuple[str, ...] = (
    "population.workers.rider",
    "population.workers.courier",
    "population.workers.driver",
    "population.residents",
    "population.staff_per_community",
    "warmup_days",
    "days",
)
"""Population sizes, the warm-up and the measured horizon the page offers."""


# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class ControlSpec:
    """One control of the page, with its range and default taken from the schema.

    Attributes:
        key: scenario key (dotted, as for ``--set``), or ``seed``.
        label: text shown beside the control.
        kind: ``bool``, ``int`` or ``float``.
        default: the schema default.
        minimum: lowest value (the field's ``ge``; ``gt`` plus one step).
        maximum: highest value (the field's ``le``, else ``UNBOUNDED_CAP`` x default).
        step: slider step.
        capped: True where the maximum is the explorer's cap, not the schema's bound.
    """

    key: str
    label: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    capped: bool = False


def schema_field(key: str) -> FieldInfo:
    """The pydantic field of a dotted scenario key.

    Raises:
        KeyError: no such field.
    """
    section: type[BaseModel] = ScenarioConfig
    parts = key.split(".")
    for part in parts[:-1]:
        annotation = section.model_fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise KeyError(f"{key}: {part} is not a section")
        section = annotation
    return section.model_fields[parts[-1]]


def _bound(info: FieldInfo, name: str) -> float | None:
    values = [getattr(m, name) for m in info.metadata if getattr(m, name, None) is not None]
    return float(values[0]) if values else None


def control_spec(key: str) -> ControlSpec:
    """The control of one scenario key: range and default from the schema's field metadata.

    Args:
        key: a dotted key naming a bool, int or float field.

    Raises:
        KeyError: no such field.
        TypeError: the field is not a bool, int or float.
    """
    info = schema_field(key)
    default = info.get_default(call_default_factory=True)
    label = key.removeprefix("policies.").removeprefix("population.")
    if info.annotation is bool:
        return ControlSpec(key=key, label=label, kind="bool", default=bool(default))
    if info.annotation not in (int, float):
        raise TypeError(f"{key}: the explorer offers only bool, int and float fields")
    kind = "int" if info.annotation is int else "float"
    low, high = _bound(info, "ge"), _bound(info, "le")
    capped = high is None
    if high is None:
        high = UNBOUNDED_CAP * default if default > 0 else 1.0
    if kind == "int":
        step = 1.0
    else:
        step = 10.0 ** (math.floor(math.log10(high - (low or 0.0))) - 2)
    if low is None:
        above = _bound(info, "gt")
        low = (above + step) if above is not None else 0.0
    if kind == "int":
        low, high = float(math.ceil(low)), float(math.floor(high))
    return ControlSpec(
        key=key,
        label=label,
        kind=kind,
        default=int(default) if kind == "int" else float(default),
        minimum=low,
        maximum=high,
        step=step,
        capped=capped,
    )


def control_specs() -> list[ControlSpec]:
    """The seed, the population sizes and horizon, then the levers."""
    seed = ControlSpec(
        key="seed",
        label="seed",
        kind="int",
        default=DEFAULT_SEED,
        minimum=float(SEED_RANGE[0]),
        maximum=float(SEED_RANGE[1]),
        step=1.0,
    )
    return [seed, *(control_spec(k) for k in POPULATION_KEYS + LEVER_KEYS)]


def explorer_config(overrides: Mapping[str, Any]) -> ScenarioConfig:
    """The status-quo scenario with the page's values set, validated like ``--set``.

    Args:
        overrides: dotted scenario key -> value.

    Raises:
        ConfigError: a value is out of its field's range (one line naming the key).
    """
    data: dict[str, Any] = {}
    for key, value in overrides.items():
        set_dotted(data, key, value, where="explorer")
    return build_config(data, source="explorer")


def config_value(config: ScenarioConfig, key: str) -> Any:
    """The value of a dotted key in a configuration."""
    node: Any = config
    for part in key.split("."):
        node = getattr(node, part)
    return node


def run_command(model: StreetModel) -> str:
    """The ``streetwise run`` command that reproduces the run on display.

    Lists the page's controls whose value differs from the schema default.
    """
    config = model.config
    parts = [f"streetwise run scenarios/baseline.yaml --seed {model.seed} --days {config.days}"]
    for spec in control_specs():
        if spec.key in ("seed", "days"):
            continue
        value = config_value(config, spec.key)
        if value != spec.default:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            parts.append(f"--set {spec.key}={text}")
    return " ".join(parts)


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class StreetPlan:
    """What does not change during a run: the street's communities, roads and places.

    Attributes:
        community: (cells_x, cells_y) community index of cell ``[x, y]``.
        road: (cells_x, cells_y) True on road cells.
        office_xy: (n_communities, 2) cell of each community office, in community order.
        station_xy: (n_stations, 2) cell of each worker station.
        cell_size_m: cell side, metres.
        days: horizon of the run, days.
        merchant_xy: (n_merchants, 2) cell of each merchant (商户).
        building_xy: (n_buildings, 2) cell of each residential building.
    """

    community: np.ndarray
    road: np.ndarray
    office_xy: np.ndarray
    station_xy: np.ndarray
    cell_size_m: float
    days: int
    merchant_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    building_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return int(self.community.max()) + 1


@dataclass(frozen=True)
class StreetNow:
    """The street in the hour just simulated.

    Attributes:
        hour_shown: hours since the start of the hour shown; -1 before the first hour.
        days: horizon, days.
        worker_xy: (n_online, 2) display position of each online worker, cells (the cell's
            lower-left corner plus a uniform offset within the cell).
        worker_kind: (n_online,) kind code (KIND_NAMES).
        workers_total: workers in the street, online or not.
        issue_xy: (n_open, 2) cell of each open issue.
        issue_type: (n_open,) issue type code (ISSUE_TYPE_NAMES).
        issue_status: (n_open,) status code (OPEN_STATUS_NAMES).
    """

    hour_shown: int
    days: int
    worker_xy: np.ndarray
    worker_kind: np.ndarray
    workers_total: int
    issue_xy: np.ndarray
    issue_type: np.ndarray
    issue_status: np.ndarray

    @property
    def clock(self) -> str:
        """``day D, HH:00`` of the hour shown (days from 1), or ``start``."""
        if self.hour_shown < 0:
            return "start"
        day, hour = divmod(self.hour_shown, 24)
        return f"day {day + 1} of {self.days}, {hour:02d}:00-{hour + 1:02d}:00"


@dataclass
class DaySeries:
    """One value per simulated day, appended at the end of each day.

    Rates are to date (the outcome contract's definitions on the run so far, NaN while
    undefined); counts and yuan are as of the end of the day.
    """

    day: list[int] = field(default_factory=list)
    open_issues: list[int] = field(default_factory=list)
    reports_to_date: list[np.ndarray] = field(default_factory=list)
    response_rate: list[float] = field(default_factory=list)
    resolution_rate: list[float] = field(default_factory=list)
    satisfaction_rate: list[float] = field(default_factory=list)
    participation_to_date: list[float] = field(default_factory=list)
    active_share: list[float] = field(default_factory=list)
    registered_share: list[float] = field(default_factory=list)
    mean_belonging: list[float] = field(default_factory=list)
    cost_to_date_yuan: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.day)

    def append_day(self, model: StreetModel) -> None:
        """Append the day that just ended (reads only; draws nothing)."""
        row = model.recorder.rows[-1]
        outcomes = outcomes_to_date(model)
        today = np.array([row[f"reports_{name}"] for name in CHANNELS], dtype=np.int64)
        before = self.reports_to_date[-1] if self.reports_to_date else 0
        self.day.append(int(row["day"]) + 1)
        self.open_issues.append(int(row["open_issues"]))
        self.reports_to_date.append(before + today)
        self.response_rate.append(outcomes["response_rate"])
        self.resolution_rate.append(outcomes["resolved_share"])
        self.satisfaction_rate.append(outcomes["satisfaction_rate"])
        self.participation_to_date.append(outcomes["worker_participation_rate"])
        workforce = row["workforce"]
        self.active_share.append(
            row["active_participants"] / workforce if workforce else float("nan")
        )
        self.registered_share.append(float(row["registered_share"]))
        self.mean_belonging.append(float(row["mean_belonging"]))
        self.cost_to_date_yuan.append(float(row["cost_to_date_yuan"]))

    def column(self, name: str) -> np.ndarray:
        """A series as a numpy array (reports: days x channels)."""
        values = getattr(self, name)
        if name == "reports_to_date":
            return np.array(values).reshape(len(values), len(CHANNELS))
        return np.asarray(values, dtype=float)


def outcomes_to_date(model: StreetModel) -> dict[str, float]:
    """The contract outcomes of the run so far (reads only; draws nothing)."""
    return model.results().outcomes


def display_stream(seed: int, hour_index: int) -> np.random.Generator:
    """The display stream of one hour shown (never a simulation stream)."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(DISPLAY_SPAWN_KEY, hour_index))
    return np.random.Generator(np.random.PCG64(sequence))


class DisplaySampler:
    """Draws display cells of online workers from their kind's pass weights over their zone.

    Args:
        config: the run's configuration.
        layout: the street layout.
        seed: the run's seed (the display stream derives from it).
    """

    def __init__(self, config: ScenarioConfig, layout: Any, seed: int) -> None:
        """Precompute one cumulative pass distribution per (kind, base community)."""
        passes = exposure_matrices(config.workers, layout)  # (kinds, communities, cells)
        n_kinds, n_bases, n_cells = passes.shape
        totals = passes.sum(axis=2)
        self.seed = int(seed)
        self.n_bases = n_bases
        self.n_cells = n_cells
        self.placeable = totals > 0
        cdf = np.cumsum(passes, axis=2) / np.where(totals > 0, totals, 1.0)[..., None]
        groups = np.arange(n_kinds * n_bases, dtype=float)[:, None]
        # row g holds g + cdf, so one sorted array serves every (kind, base) group
        self.stacked_cdf = (cdf.reshape(n_kinds * n_bases, n_cells) + groups).ravel()

    def cells(self, kind: np.ndarray, base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One cell per worker, with probability proportional to its group's passes.

        Args:
            kind: (n,) kind codes; every (kind, base) must be placeable.
            base: (n,) base communities.
            rng: the display stream.

        Returns:
            (n,) flat cell indices.
        """
        group = kind.astype(np.int64) * self.n_bases + base.astype(np.int64)
        target = group + rng.random(len(group))
        flat = np.searchsorted(self.stacked_cdf, target, side="right")
        return np.clip(flat - group * self.n_cells, 0, self.n_cells - 1)

    def positions(
        self, kind: np.ndarray, base: np.ndarray, layout: Any, hour_index: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Display positions (cells, with an offset inside the cell) of one hour's workers.

        Returns:
            ``(xy, keep)``: (n_kept, 2) positions and the (n,) mask of workers placed
            (those whose kind and base have a route with any passes).
        """
        keep = self.placeable[kind, base]
        rng = display_stream(self.seed, hour_index)
        cells = self.cells(kind[keep], base[keep], rng)
        x, y = layout.xy(cells)
        xy = np.column_stack([x, y]).astype(float) + rng.uniform(0.15, 0.85, size=(len(cells), 2))
        return xy, keep


def place_cells(model: StreetModel, place: type[Place]) -> np.ndarray:
    """Grid cells of the model's fixed places of one type, read from the Mesa grid.

    Args:
        model: the street model.
        place: a ``Place`` subclass (``CommunityOffice``, ``Station``, ...).

    Returns:
        (n, 2) integer cell coordinates ``(x, y)``, in the order of the places' communities
        (stable within a community).
    """
    agents = sorted(model.agents_by_type.get(place, ()), key=lambda agent: agent.community)
    return np.array([agent.cell.coordinate for agent in agents], dtype=np.int64).reshape(-1, 2)


def street_plan(model: StreetModel) -> StreetPlan:
    """The fixed street: communities and roads (the layout), the places (the grid), the horizon."""
    layout = model.layout
    shape = (layout.cells_x, layout.cells_y)
    return StreetPlan(
        community=layout.community.reshape(shape).copy(),
        road=layout.road.reshape(shape).copy(),
        office_xy=place_cells(model, CommunityOffice),
        station_xy=place_cells(model, Station),
        cell_size_m=float(layout.cell_size_m),
        days=int(model.days),
        merchant_xy=place_cells(model, Merchant),
        building_xy=place_cells(model, ResidentialBuilding),
    )


def street_now(model: StreetModel, sampler: DisplaySampler) -> StreetNow:
    """The hour just simulated: online workers at display cells, open issues by status."""
    hour_index = model.hours_elapsed - 1
    workforce = model.workforce
    kind = np.zeros(0, dtype=np.int64)
    xy = np.zeros((0, 2))
    if hour_index >= 0 and model.shifts is not None:
        online = np.flatnonzero(model.shifts.online[:, hour_index % 24] > 0)
        xy, keep = sampler.positions(
            workforce.kind[online], workforce.base[online], model.layout, hour_index
        )
        kind = workforce.kind[online][keep].astype(np.int64)
    log = model.issues
    status = log.status[: model.arrived]
    open_ = np.flatnonzero(status < IssueStatus.RESOLVED)
    return StreetNow(
        hour_shown=hour_index,
        days=model.days,
        worker_xy=xy,
        worker_kind=kind,
        workers_total=len(workforce),
        issue_xy=np.column_stack([log.x[open_], log.y[open_]]).reshape(-1, 2),
        issue_type=log.type[open_].astype(np.int64),
        issue_status=status[open_].astype(np.int64),
    )


# --------------------------------------------------------------------------- the model


class ExplorerStreet(StreetModel):
    """The street model as SolaraViz drives it: keyword parameters, a daily series.

    SolaraViz re-creates the model on Reset as ``ExplorerStreet(**values)`` with the
    page's values; the simulation is ``StreetModel``'s, unchanged. At the end of each day
    the page's series get one point (reading only).

    Args:
        seed: run seed.
        scenario: Mesa's (empty) ``Scenario`` that SolaraViz passes on Reset; the street's
            parameters come from ``overrides``, so it is not used.
        **overrides: dotted scenario key -> value (for example
            ``{"policies.points.enabled": True}``).
    """

    def __init__(self, seed: int = DEFAULT_SEED, scenario: Any = None, **overrides: Any):
        """Build the street from the status quo plus ``overrides``."""
        del scenario
        super().__init__(explorer_config(overrides), seed=int(seed))
        self.series = DaySeries()
        self.sampler = DisplaySampler(self.config, self.layout, self.seed)
        self.plan = street_plan(self)

    def step(self) -> None:
        """Advance one hour; at the end of a day, add the day to the series.

        The page shows the street hour by hour, so its Mesa step is an hour
        (``advance_hour``); a batch run's is a day (``StreetModel.step``).
        """
        self.advance_hour()
        if self.hours_elapsed % 24 == 0:
            self.series.append_day(self)

    def snapshot(self) -> StreetNow:
        """The hour just simulated (see ``street_now``)."""
        return street_now(self, self.sampler)

    @property
    def hours_done(self) -> int:
        """Simulated hours so far."""
        return int(self.hours_elapsed)
