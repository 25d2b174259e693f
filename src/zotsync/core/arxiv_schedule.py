"""arXiv's announcement schedule: which submissions one daily listing holds, and its date.

arXiv takes submissions until 14:00 America/New_York each weekday and announces them at
20:00 that evening, Sunday to Thursday (Friday's cutoff is announced Sunday evening); the
listing shows the next weekday's date (arxiv.org/help/submit, info.arxiv.org/help/
availability.html; the listing e-mail says `received from Wed 15 Mar 23 18:00:00 GMT to
Thu 16 Mar 23 18:00:00 GMT` in EDT and is dated Fri 17 Mar, the rss.arxiv.org feed of an
announcement carries the listing date as `published`). Friday's cutoff closes the window
that began Thursday 14:00; the weekend's submissions wait for Monday's cutoff (Fri 14:00 ->
Mon 14:00 is one window, listed Tuesday).

Holidays (a skipped announcement merges two windows) are not modelled: the window found
is the last regular one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
ANNOUNCED = time(20, 0)


@dataclass(frozen=True, slots=True)
class Announcement:
    """One daily listing: submissions from `opens` (inclusive) to `closes` (exclusive),
    announced at 20:00 New York time on the day of `closes`, listed as `day`."""

    opens: datetime
    closes: datetime
    day: date

    def holds(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes

    @property
    def announced(self) -> datetime:
        """20:00 New York time on the closing day; Friday's window on Sunday evening."""
        day = self.closes.date()
        if day.weekday() == 4:
            day += timedelta(days=2)
        return datetime.combine(day, ANNOUNCED, NEW_YORK)

    @property
    def next_due(self) -> datetime:
        """When the following announcement is made."""
        return announcement_of(self.closes).announced


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _previous_weekday(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def announcement_of(moment: datetime) -> Announcement:
    """The listing a submission made at `moment` (timezone-aware) appears in."""
    local = moment.astimezone(NEW_YORK)
    day = local.date()
    if day.weekday() >= 5 or local.time() >= CUTOFF:
        day = _next_weekday(day)
    closes = datetime.combine(day, CUTOFF, NEW_YORK)
    opens = datetime.combine(_previous_weekday(day), CUTOFF, NEW_YORK)
    return Announcement(opens, closes, _next_weekday(day))
