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


def test_zone_abbreviations_after_a_time() -> None:
    from worker.dates import parse_date_local

    cases = {
        "Fr, 17 Mai 2019 13:38:23 MESZ": (datetime(2019, 5, 17, 11, 38, 23, tzinfo=UTC), 120),
        "12.03.2021, 10:30 Uhr MEZ": (datetime(2021, 3, 12, 9, 30, tzinfo=UTC), 60),
        "Tue 28 Apr 2020 08:11 CET": (datetime(2020, 4, 28, 7, 11, tzinfo=UTC), 60),
        "2021-06-01T23:30:00 EDT": (datetime(2021, 6, 2, 3, 30, tzinfo=UTC), -240),
        "Apr 21, 2019 um 4:47 PDT": (datetime(2019, 4, 21, 11, 47, tzinfo=UTC), -420),
        "Wed, 24 Mar 2004 19:49:19 CET": (datetime(2004, 3, 24, 18, 49, 19, tzinfo=UTC), 60),
        "So, 12 Feb 2017 19:49:11 CET+0100": (datetime(2017, 2, 12, 18, 49, 11, tzinfo=UTC), 60),
        # a generic name takes the offset of its date (EDT in June, EST in January)
        "June 3, 2021 10:00 a.m. ET": (datetime(2021, 6, 3, 14, 0, tzinfo=UTC), -240),
        "January 3, 2021 10:00 a.m. ET": (datetime(2021, 1, 3, 15, 0, tzinfo=UTC), -300),
    }
    for text, (instant, offset) in cases.items():
        found = parse_date_local(text)
        assert found is not None, text
        assert (found[0], found[1]) == (instant, offset), text
    # an unknown or ambiguous name ("IST") or a word after the time: no zone, wall clock kept
    for text in ("2021-06-01 10:00 IST", "2021-06-01 10:00 ETH", "2021-06-01 10:00 Uhr"):
        found = parse_date_local(text)
        assert found is not None and found[0] == datetime(2021, 6, 1, 10, 0, tzinfo=UTC), text
        assert found[1] is None, text


def test_offsets_after_gmt_and_utc() -> None:
    from worker.dates import parse_date_local

    # JavaScript's Date.toString(): the offset after "GMT" is the page's, not UTC
    found = parse_date_local(
        "Tue Feb 20 2018 01:00:00 GMT+0100 (Central European Standard Time)")
    assert found == (datetime(2018, 2, 20, 0, 0, tzinfo=UTC), 60)
    assert parse_date_local("31. Oktober 2019 um 11:40:55 UTC+1") == (
        datetime(2019, 10, 31, 10, 40, 55, tzinfo=UTC), 60)
    assert parse_date_local("2021-06-01 00:30 GMT+2") == (
        datetime(2021, 5, 31, 22, 30, tzinfo=UTC), 120)
    assert parse_date_local("2021-06-01T10:00:00Z") == (datetime(2021, 6, 1, 10, tzinfo=UTC), 0)


def test_java_date_string() -> None:
    from worker.dates import parse_date_local

    # Java's Date.toString(): time and zone before the year
    assert parse_date_local("Mon Oct 11 14:57:21 CEST 2021") == (
        datetime(2021, 10, 11, 12, 57, 21, tzinfo=UTC), 120)
    assert parse_date_local("Tue Jan 28 15:28:56 CET 2020") == (
        datetime(2020, 1, 28, 14, 28, 56, tzinfo=UTC), 60)


def test_newspaper_dates_keep_zone_abbreviations() -> None:
    import warnings

    import newspaper.extractors

    import worker.parse  # noqa: F401 - installs the date parser

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = newspaper.extractors.date_parser("Mon Oct 11 14:57:21 CEST 2021")
    assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 7200


def test_day_positions() -> None:
    from datetime import date

    from worker.dates import day_positions

    text = "Erschienen am 10.05.2023, geändert am 12. Mai 2023, zuletzt 2023-05-12"
    assert day_positions(text, date(2023, 5, 12)) == [38, 60]
    assert day_positions(text, date(2023, 5, 10)) == [14]
    assert day_positions(text, date(2023, 5, 11)) == []
