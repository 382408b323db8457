"""Named codes: every category the model stores as a small integer, defined once.

Each category is an ``IntEnum`` whose values are the positions used by every array of the
model (``codes[:, Channel.MINI_PROGRAM]``, ``role == Role.PUBLICIST``) and whose names,
lower-cased, are the names written to the output tables and used as keys in scenario files.
The name tuples (``WORKER_KINDS``, ``CHANNELS``, ...) are derived from the enums, so a name
and its code can never drift apart. Never reorder a category: stored results and the
random-stream layout depend on the order; append only.
"""

from __future__ import annotations

from enum import IntEnum


def names(codes: type[IntEnum]) -> tuple[str, ...]:
    """The lower-case names of a category, in code order."""
    return tuple(member.name.lower() for member in codes)


class WorkerKind(IntEnum):
    """Gig-worker kinds, in the order of every per-kind array."""

    RIDER = 0  # food-delivery rider (外卖骑手)
    COURIER = 1  # parcel courier (快递员)
    DRIVER = 2  # ride-hailing driver (网约车司机)


class Observer(IntEnum):
    """Observer classes that can notice an issue.

    A code below ``len(WorkerKind)`` is a worker of that kind.
    """

    RIDER = WorkerKind.RIDER
    COURIER = WorkerKind.COURIER
    DRIVER = WorkerKind.DRIVER
    RESIDENT = 3
    STAFF = 4  # community staff on patrol


class IssueType(IntEnum):
    """Issue types of the design brief."""

    ENVIRONMENT = 0
    SAFETY_HAZARD = 1
    DAMAGED_FACILITY = 2
    VULNERABLE_RESIDENT = 3
    FOOD_SAFETY = 4
    OPINION = 5


class Channel(IntEnum):
    """Report channels; ``STAFF_PATROL`` is the staff's own ticket, never a reporter's choice."""

    HOTLINE = 0  # the 12345 hotline
    MINI_PROGRAM = 1  # the report mini-program (建言小程序)
    STATION = 2  # the report desk of an upgraded worker station
    IN_PERSON = 3  # at the community office, in office hours
    STAFF_PATROL = 4


REPORTER_CHANNELS: tuple[str, ...] = tuple(
    c.name.lower() for c in Channel if c != Channel.STAFF_PATROL
)
"""Channels a reporter can choose (every channel but the staff's own patrol ticket)."""

NO_CHANNEL = -1
"""Channel code of a detection that is not reported."""


class Department(IntEnum):
    """Departments (service stages) issues are dispatched to."""

    SANITATION = 0
    CITY_MANAGEMENT = 1
    HOUSING = 2
    CIVIL_AFFAIRS = 3
    MARKET_REGULATION = 4
    COMMUNITY = 5


class Role(IntEnum):
    """Designated posts of registered workers; ``NONE`` = no post."""

    NONE = 0
    INFORMANT = 1  # 社情民意信息员
    SAFETY_PATROL = 2  # 平安巡查守护员
    PUBLICIST = 3  # 政策宣传流动员


class Access(IntEnum):
    """Which workers may use a channel (``channels.<name>.open_to_workers``)."""

    NONE = 0
    REGISTERED = 1
    ALL = 2


class IssueStatus(IntEnum):
    """Lifecycle stage of an issue; the order is the order of the stages."""

    OPEN = 0
    DETECTED = 1
    REPORTED = 2
    ACKNOWLEDGED = 3
    DISPATCHED = 4
    RESOLVED = 5
    CLOSED_UNRESOLVED = 6
    ESCALATED = 7
    EXPIRED = 8


WORKER_KINDS: tuple[str, ...] = names(WorkerKind)
"""Worker kind names, in code order."""

OBSERVERS: tuple[str, ...] = names(Observer)
"""Observer class names, in code order."""

ISSUE_TYPES: tuple[str, ...] = names(IssueType)
"""Issue type names, in code order."""

CHANNELS: tuple[str, ...] = names(Channel)
"""Channel names, in code order."""

DEPARTMENTS: tuple[str, ...] = names(Department)
"""Department names, in code order."""

ROLES: tuple[str, ...] = names(Role)
"""Designated post names, in code order (``none`` first)."""

ACCESS: tuple[str, ...] = names(Access)
"""Channel access levels, as written in scenario files."""

STATUS_NAMES: tuple[str, ...] = names(IssueStatus)
"""Issue status names in code order, as written to the issue log."""
