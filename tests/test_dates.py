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
