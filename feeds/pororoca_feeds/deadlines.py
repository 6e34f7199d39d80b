"""Missed deadlines, as pure functions: which due times of a feed have passed their deadline, and whether a file
came for each. A file counts for the due time it follows (or precedes, since the previous due time): a partner
that drops early is on time; a file that came only after the deadline does not undo the miss."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from pororoca_feeds.contract import Feed


@dataclass(frozen=True)
class Slot:
    feed: str
    previous_due: datetime  # UTC; files dropped after it count for this slot
    due: datetime  # UTC
    deadline: datetime  # UTC


def slots(feed: Feed, since: datetime, now: datetime) -> list[Slot]:
    """Due times whose deadline fell in (since, now], oldest first."""
    tz = ZoneInfo(feed.arrival.timezone)
    grace = feed.arrival.grace
    it = croniter(feed.arrival.schedule, (since - grace).astimezone(tz))
    previous = it.get_prev(datetime)
    it = croniter(feed.arrival.schedule, previous)
    found = []
    while True:
        due = it.get_next(datetime)
        if due + grace > now:
            break
        if due + grace > since:
            found.append(Slot(feed.name, previous.astimezone(UTC), due.astimezone(UTC), (due + grace).astimezone(UTC)))
        previous = due
    return found


def missed(slot: Slot, arrivals: list[datetime]) -> bool:
    return not any(slot.previous_due < at <= slot.deadline for at in arrivals)
