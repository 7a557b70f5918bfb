"""Unit tests of worker.dates helpers."""
from __future__ import annotations

from datetime import UTC, datetime

from worker.dates import first_date


def test_first_date_position_value_and_time() -> None:
    found = first_date("Bern, 17.08.2007 um 10:30 - Rede zur Eröffnung")
    assert found is not None
    start, value, offset = found
    assert start == 6
    assert value == datetime(2007, 8, 17, 10, 30, tzinfo=UTC)
    assert offset is None


def test_first_date_takes_the_earliest_of_any_format() -> None:
    found = first_date("Written: 2023-11-07 15:03 | Updated: 8 November 2023")
    assert found is not None and found[1].date().isoformat() == "2023-11-07"
    found = first_date("Posted March 3, 2024 by Jane Doe, edited 04.03.2024")
    assert found is not None and found[1].date().isoformat() == "2024-03-03"


def test_first_date_skips_the_end_of_a_range() -> None:
    assert first_date("Ausstellung 9-23 Feb 2017, Mo-Fr 9-16 Uhr") is None
    assert first_date("open from 2 to 5 May 2020") is None
    found = first_date("vom 9.1. - 10.2.2023, Stand 02.01.2023")
    assert found is not None and found[1].date().isoformat() == "2023-01-02"


def test_first_date_none_without_a_date() -> None:
    assert first_date("Kein Datum hier, nur 2023 Besucher") is None


def test_date_in_slug() -> None:
    from worker.dates import date_in_slug

    assert date_in_slug("https://x.example/meldungen/29-10-2021") == datetime(2021, 10, 29,
                                                                               tzinfo=UTC)
    assert date_in_slug("https://x.example/a/~02-01-2022-land-zahlt") == datetime(2022, 1, 2,
                                                                                   tzinfo=UTC)
    assert date_in_slug("https://x.example/a/~02-01-2022-land-zahlt",
                        us_order=True) == datetime(2022, 2, 1, tzinfo=UTC)
    assert date_in_slug("https://x.example/news/2021_10_29-title") == datetime(2021, 10, 29,
                                                                               tzinfo=UTC)
    # the /yyyy/mm/dd/ form is date_from_url's; versions and query strings are no dates
    assert date_in_slug("https://x.example/2020/01/23/post/") is None
    assert date_in_slug("https://x.example/download/v1.2.2020") is None
    assert date_in_slug("https://x.example/p?id=29-10-2021") is None
