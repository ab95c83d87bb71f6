"""COUNTER Release 5 rules applied to a time-ordered batch of usage events.

* Agents: the COUNTER robots list (``counter-robots``) sorts user agents into
  robots/crawlers, machines (scripts, download tools) and humans. Only humans
  count; robots are kept in the log, flagged, so reports can say how many were
  excluded. OAI-PMH harvests are machine traffic by nature (harvesters such as
  Sickle send ``python-requests`` agents, which the list flags as robots): they
  are counted apart, as harvests, never as item investigations or requests.
* Metrics (COUNTER R5 item metrics): every counted view, access or API read is
  an *investigation*; an access to the resource itself is also a *request*.
  ``Unique_*`` counts a visitor once per resource and day (the visitor key
  already changes daily, see :mod:`diffusion.privacy`).
* Double clicks: the same visitor repeating the same event on the same resource
  within 30 seconds of their previous one is counted once (a burst of clicks
  counts once however long it lasts, as long as no gap reaches 30 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import counter_robots

KINDS = ("view", "access", "api", "oai")
INVESTIGATION_KINDS = frozenset({"view", "access", "api"})
REQUEST_KINDS = frozenset({"access"})
DOUBLE_CLICK = timedelta(seconds=30)

HUMAN, ROBOT, MACHINE = "human", "robot", "machine"


@lru_cache(maxsize=16_384)
def classify_agent(user_agent: str | None) -> str:
    """``human``, ``robot`` or ``machine`` by the COUNTER list (an empty agent is a robot)."""
    ua = (user_agent or "").strip()
    if counter_robots.is_robot(ua):
        return ROBOT
    if counter_robots.is_machine(ua):
        return MACHINE
    return HUMAN


@dataclass(slots=True)
class Event:
    """One usage event as it waits to be written: nothing personal left in it."""

    occurred_at: datetime
    kind: str
    resource_id: str
    visitor: str
    agent: str
    counted: bool = False
    double_click: bool = False
    first_investigation: bool = False
    first_request: bool = False

    @property
    def day(self) -> date:
        return self.occurred_at.date()


@dataclass
class CounterState:
    """What the rules need to remember: last click per (visitor, resource, kind) and
    which (day, visitor, resource, metric) were already counted as unique.

    The store fills it from the database for the visitors of each batch, so the
    rules hold across batches and processes; the bulk loader keeps one state."""

    last_click: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    seen: set[tuple[date, str, str, str]] = field(default_factory=set)

    def merge(self, other: CounterState) -> None:
        for key, moment in other.last_click.items():
            if key not in self.last_click or self.last_click[key] < moment:
                self.last_click[key] = moment
        self.seen |= other.seen

    def forget_before(self, moment: datetime) -> None:
        self.last_click = {k: v for k, v in self.last_click.items() if v >= moment - DOUBLE_CLICK}
        day = moment.date()
        self.seen = {k for k in self.seen if k[0] >= day}


def _countable(event: Event) -> bool:
    if event.kind == "oai":
        return True
    return event.agent == HUMAN


def apply_rules(events: list[Event], state: CounterState) -> list[Event]:
    """Classify ``events`` (sorted by time) in place and return them."""
    for ev in events:
        if not _countable(ev):
            continue
        key = (ev.visitor, ev.resource_id, ev.kind)
        previous = state.last_click.get(key)
        state.last_click[key] = ev.occurred_at
        if previous is not None and timedelta(0) <= ev.occurred_at - previous < DOUBLE_CLICK:
            ev.double_click = True
            continue
        ev.counted = True
        day = ev.day
        if ev.kind in INVESTIGATION_KINDS:
            mark = (day, ev.visitor, ev.resource_id, "inv")
            if mark not in state.seen:
                state.seen.add(mark)
                ev.first_investigation = True
        if ev.kind in REQUEST_KINDS:
            mark = (day, ev.visitor, ev.resource_id, "req")
            if mark not in state.seen:
                state.seen.add(mark)
                ev.first_request = True
    return events


def daily_increments(events: list[Event]) -> dict[tuple[date, str], dict[str, int]]:
    """Sum classified events into ``usage_daily`` increments per (day, resource)."""
    out: dict[tuple[date, str], dict[str, int]] = {}
    for ev in events:
        row = out.get((ev.day, ev.resource_id))
        if row is None:
            row = out[(ev.day, ev.resource_id)] = dict.fromkeys(DAILY_COLUMNS, 0)
        if ev.kind != "oai" and ev.agent != HUMAN:
            row["robots"] += 1
        if ev.double_click:
            row["double_clicks"] += 1
        if not ev.counted:
            continue
        row[_KIND_COLUMN[ev.kind]] += 1
        if ev.kind in INVESTIGATION_KINDS:
            row["total_investigations"] += 1
        if ev.kind in REQUEST_KINDS:
            row["total_requests"] += 1
        row["unique_investigations"] += ev.first_investigation
        row["unique_requests"] += ev.first_request
    return out


_KIND_COLUMN = {"view": "views", "access": "accesses", "api": "api_reads", "oai": "harvests"}
DAILY_COLUMNS = (
    "views",
    "accesses",
    "api_reads",
    "harvests",
    "total_investigations",
    "unique_investigations",
    "total_requests",
    "unique_requests",
    "robots",
    "double_clicks",
)
