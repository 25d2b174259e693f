"""arXiv's announcement windows (zotsync.core.arxiv_schedule), checked against what arXiv
shows: the listing e-mail of Thu 16 Mar 2023 (../shared/corpus/arxiv-listing-email) says
`received from Wed 15 Mar 23 18:00:00 GMT to Thu 16 Mar 23 18:00:00 GMT` and is dated
Fri 17 Mar 00:31 GMT (the listing of Friday 17 March)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zotsync.core.arxiv_schedule import NEW_YORK, announcement_of


def test_the_listing_emails_window() -> None:
    for submitted in (datetime(2023, 3, 15, 18, 34, 8, tzinfo=UTC),
                      datetime(2023, 3, 16, 14, 2, 30, tzinfo=UTC), datetime(2023, 3, 15, 18, 0, tzinfo=UTC)):
        window = announcement_of(submitted)
        assert window.opens == datetime(2023, 3, 15, 18, tzinfo=UTC)
        assert window.closes == datetime(2023, 3, 16, 18, tzinfo=UTC)
        assert window.day == date(2023, 3, 17)
    at_cutoff = announcement_of(datetime(2023, 3, 16, 18, 0, tzinfo=UTC))
    assert at_cutoff.day == date(2023, 3, 20)  # the next window, listed Monday


@pytest.mark.parametrize("local", [datetime(2026, 6, 5, 14, 0), datetime(2026, 6, 6, 12, 0),
                                   datetime(2026, 6, 7, 23, 59), datetime(2026, 6, 8, 13, 59)])
def test_friday_to_monday_is_one_window_listed_tuesday(local: datetime) -> None:
    window = announcement_of(local.replace(tzinfo=NEW_YORK))
    assert (window.opens.date(), window.closes.date(), window.day) == (
        date(2026, 6, 5), date(2026, 6, 8), date(2026, 6, 9))
    assert window.next_due == datetime(2026, 6, 9, 20, tzinfo=NEW_YORK)


def test_fridays_cutoff_is_listed_monday_and_winter_time_holds() -> None:
    window = announcement_of(datetime(2026, 1, 9, 18, 59, tzinfo=UTC))  # Fri 13:59 EST (UTC-5)
    assert window.closes == datetime(2026, 1, 9, 19, tzinfo=UTC)
    assert window.day == date(2026, 1, 12)
    assert window.announced == datetime(2026, 1, 11, 20, tzinfo=NEW_YORK)  # Sunday evening
    assert window.next_due == datetime(2026, 1, 13, 1, tzinfo=UTC)  # Monday 20:00 EST
