"""Date strings as pages write them -> aware UTC datetimes (or None).

Handled: ISO 8601 (with or without time, ``Z`` or an offset, compact ``YYYYMMDD``), RFC 2822,
Unix timestamps, numeric ``d.m.y`` / ``d/m/y`` / ``m/d/y`` and written months in English,
German, French, Spanish, Italian, Portuguese, Dutch and Polish ("19 October 2019",
"October 19, 2019", "19. Oktober 2019", "19 de octubre de 2019").

Day/month order of ambiguous numeric dates (``03/04/2020``): a part above 12 decides; else
dots mean day first (``03.04.2020`` is 3 April everywhere it is used); slashes and dashes are
month first only on US-English pages (``en-US`` / ``en`` with a US-style locale), day first on
every other page.

A value without a time zone is taken as UTC; a value with only a day is midnight UTC of that
day (so the stored day is the page's day). :func:`parse_date_local` also returns the page's own
UTC offset (minutes east of UTC; None when the page gave no zone), so the publication's local
calendar day can be recovered from the UTC instant: ``published_at + offset``.
``plausible`` drops dates in the future (more than the largest time-zone offset, 14 h, after
the reference time) and before 1990.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["parse_date", "parse_date_local", "first_date", "offset_minutes", "plausible",
           "date_from_url", "date_in_slug", "days_in_text", "day_positions", "zone_offset",
           "COUNTRY_ZONES", "LANGUAGE_ZONES", "MIN_YEAR", "MONTH_NAMES", "ZONE_ABBREVIATIONS",
           "DATEUTIL_TZINFOS"]

MIN_YEAR = 1990
_MAX_SKEW = timedelta(hours=14)

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate([
    "january jan januar janvier enero gennaio janeiro januari stycznia styczeń jänner",
    "february feb februar février fevrier febrero febbraio fevereiro februari lutego luty",
    "march mar märz maerz mars marzo março marco maart marca marzec mär",
    "april apr avril abril aprile kwietnia kwiecień",
    "may mai mayo maggio maio mei maja maj",
    "june jun juni juin junio giugno junho czerwca czerwiec",
    "july jul juli juillet julio luglio julho lipca lipiec",
    "august aug août aout agosto augustus sierpnia sierpień ago",
    "september sep sept septembre septiembre settembre setembro września wrzesień set",
    "october oct oktober octobre octubre ottobre outubro okt października październik ott out",
    "november nov novembre noviembre novembro listopada listopad",
    "december dec dezember décembre decembre diciembre dicembre dezembro grudnia grudzień "
    "dez dic déc",
], start=1):
    for _n in _names.split():
        _MONTHS.setdefault(_n, _num)

MONTH_NAMES = frozenset(_MONTHS)


def _alternation(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, written as a tree of shared prefixes ("ju(?:l(?:y|
    i(?:o)?)?|n...)"): the same matches as the plain alternation with longer words first, as
    only words that are prefixes of one another can match at one place and the tree tries the
    longer one first, but about five times faster to search with (a plain alternation of 150
    month names is tried word by word at every position of a page's text)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def written(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + written(rest) for char, rest in sorted(node.items())
                    if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return written(tree)


_MONTH_RE = _alternation(_MONTHS)
# Time-zone abbreviations written after a time ("10:30 CEST", "4:47 PDT", "14 Uhr MEZ"):
# minutes east of UTC, or the IANA zone of a generic name whose offset depends on the date
# ("ET" is EST in winter, EDT in summer). Names used for several zones ("IST": India,
# Ireland, Israel; "AST": Atlantic, Arabia) are left out: such a value keeps its wall clock
# and gives no zone. The US names are read as RFC 2822 reads them ("CST" -06:00).
ZONE_ABBREVIATIONS: dict[str, int | str] = {
    "UT": 0, "WET": 0, "WEZ": 0, "WEST": 60, "WESZ": 60, "BST": 60,
    "CET": 60, "MEZ": 60, "MET": 60, "CEST": 120, "MESZ": 120, "MEST": 120,
    "EET": 120, "OEZ": 120, "EEST": 180, "OESZ": 180, "MSK": 180,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
    "ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
    "PT": "America/Los_Angeles", "BRT": -180, "ART": -180,
    "WAT": 60, "CAT": 120, "SAST": 120, "EAT": 180,
    "HKT": 480, "SGT": 480, "AWST": 480, "JST": 540, "KST": 540, "ACST": 570, "ACDT": 630,
    "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}


def _dateutil_zones() -> dict[str, Any]:
    """:data:`ZONE_ABBREVIATIONS` as dateutil's ``tzinfos`` (seconds east of UTC, or a
    ``ZoneInfo``); a generic name is left out when the system has no time zone database."""
    zones: dict[str, Any] = {}
    for name, zone in ZONE_ABBREVIATIONS.items():
        if isinstance(zone, int):
            zones[name] = zone * 60
            continue
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            zones[name] = ZoneInfo(zone)
    return zones


# for dateutil's parser (newspaper3k's dates): without it a "CEST" is dropped with a warning
DATEUTIL_TZINFOS = _dateutil_zones()
# a zone after a time: "Z", "UTC"/"GMT" (with an offset: "GMT+0100", "UTC+1"), an offset, or
# an upper-case abbreviation (with an offset: "CET+0100"); "Uhr" or a "(" may come before it
_ZONE = (r"(?:\s*(?:uhr\s*)?\(?(Z|(?:UTC|GMT)(?:\s?[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}|"
         r"(?-i:" + "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True)) + r")"
         r"(?:[+-]\d{2}:?\d{2})?)(?![A-Za-z]))?")
_TIME = r"(?:[T\s,]+(?:um\s+|at\s+|à\s+|a las\s+)?(\d{1,2})[:h.](\d{2})(?::(\d{2}))?(?:\.\d+)?" \
        r"\s*(am|pm|a\.m\.|p\.m\.)?" + _ZONE + ")?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME, re.IGNORECASE)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?(Z)?$")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)" + _TIME,
                      re.IGNORECASE)
_YMD_SLASH = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)" + _TIME)
_DMY_WORDS = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?\s*(?:de\s+)?(" + _MONTH_RE + r")\.?,?\s*"
    r"(?:de\s+)?(\d{4})" + _TIME, re.IGNORECASE)
_MDY_WORDS = re.compile(
    r"\b(" + _MONTH_RE + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME,
    re.IGNORECASE)
# the time and zone before the year, as Java's Date.toString() writes it ("Tue Jan 28
# 15:28:56 CET 2020")
_TIME_BEFORE_YEAR = re.compile(
    r"(?:[A-Za-z]{3},?\s+)?(" + _MONTH_RE + r")\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    + _ZONE + r"\s+(\d{4})$", re.IGNORECASE)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$|\.)")
_URL_DATE_COMPACT = re.compile(r"[/_-]((?:19|20)\d{2})(\d{2})(\d{2})[/_.-]")


def _tz(text: str | None, wall: datetime | None = None) -> timezone | None:
    """The zone of ``text`` ("Z", "+02:00", "GMT+1", "CEST", "CET+0100"); a generic name
    ("ET") takes its offset at the wall-clock time ``wall``. None when unknown."""
    if not text:
        return None
    text = text.upper().replace(" ", "")
    m = re.fullmatch(r"(Z|UTC|GMT|[A-Z]{2,4})?(?:([+-])(\d{1,2})(?::?(\d{2}))?)?", text)
    if not m or not (m[1] or m[2]):
        return None
    if m[2] is None:
        if m[1] in ("Z", "UTC", "GMT"):
            return UTC
        known = ZONE_ABBREVIATIONS.get(m[1])
        if isinstance(known, int):
            return timezone(timedelta(minutes=known))
        if known is None or wall is None:
            return None
        try:
            minutes = offset_minutes(wall.replace(tzinfo=ZoneInfo(known)))
        except (ZoneInfoNotFoundError, ValueError):
            return None
        return timezone(timedelta(minutes=minutes)) if minutes is not None else None
    if m[1] not in (None, "UTC", "GMT") and m[1] not in ZONE_ABBREVIATIONS:
        return None
    hours, minutes = int(m[3]), int(m[4] or 0)
    if hours > 14 or minutes > 59:
        return None
    sign = -1 if m[2] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(year: int, month: int, day: int, hh: str | None = None, mm: str | None = None,
           ss: str | None = None, ampm: str | None = None,
           tz: str | None = None) -> datetime | None:
    if year < 100:
        year += 2000 if year < 70 else 1900
    hour = int(hh) if hh else 0
    if ampm:
        ampm = ampm.lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    try:
        value = datetime(year, month, day, hour, int(mm) if mm else 0, int(ss) if ss else 0)
    except ValueError:
        return None
    zone = _tz(tz, value) if hh else None
    # naive when the page gave no zone: parse_date makes it UTC, parse_date_local says so
    return value.replace(tzinfo=zone) if zone is not None else value


def offset_minutes(value: datetime | None) -> int | None:
    """The UTC offset of an aware ``value`` in whole minutes (None when naive)."""
    if value is None or value.tzinfo is None:
        return None
    delta = value.utcoffset()
    return None if delta is None else int(delta.total_seconds() // 60)


def parse_date_local(text: str | None, *,
                     us_order: bool = False) -> tuple[datetime, int | None] | None:
    """(aware value, the page's UTC offset in minutes or None if it gave no zone) or None."""
    value = _parse(text, us_order)
    if value is None:
        return None
    offset = offset_minutes(value)
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)), offset


def parse_date(text: str | None, *, us_order: bool = False) -> datetime | None:
    """Parse one date string; ``us_order``: ambiguous ``a/b/yyyy`` is month/day.

    The result is aware, in the page's own zone (UTC when it gave none).
    """
    value = _parse(text, us_order)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _parse(text: str | None, us_order: bool) -> datetime | None:
    if not text:
        return None
    text = " ".join(str(text).split())[:200]
    if not text:
        return None
    if re.fullmatch(r"\d{10}(\d{3})?", text):
        stamp = int(text[:10])
        # an instant: the page's zone is unknown, so it is returned naive (UTC wall time)
        return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)
    m = _ISO.match(text)
    if m:
        return _build(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], m[7], m[8])
    m = _COMPACT.match(text)
    if m:
        return _build(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], None, m[7])
    if re.match(r"^[A-Za-z]{3},\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", text):
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            value = None
        # a zone RFC 2822 does not know ("CET") leaves it naive: read below with the zone
        # ("-0000" is RFC 2822's "local time, zone unknown")
        if value is not None and (value.tzinfo is not None or text.endswith("-0000")):
            return value
    m = _TIME_BEFORE_YEAR.match(text)
    if m:
        return _build(int(m[7]), _MONTHS[m[1].lower()], int(m[2]), m[3], m[4], m[5], None, m[6])
    m = _YMD_SLASH.search(text)
    if m:
        return _build(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], m[7], m[8])
    m = _NUMERIC.search(text)
    if m:
        a, sep, b, year = int(m[1]), m[2], int(m[3]), int(m[4])
        if a > 12 or (b <= 12 and (sep == "." or not us_order)):
            day, month = a, b
        else:
            month, day = a, b
        return _build(year, month, day, m[5], m[6], m[7], m[8], m[9])
    m = _DMY_WORDS.search(text)
    if m:
        return _build(int(m[3]), _MONTHS[m[2].lower()], int(m[1]), m[4], m[5], m[6], m[7],
                      m[8])
    m = _MDY_WORDS.search(text)
    if m:
        return _build(int(m[3]), _MONTHS[m[1].lower()], int(m[2]), m[4], m[5], m[6], m[7],
                      m[8])
    return None


def plausible(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """``value`` in UTC, or None when it lies in the future or before 1990."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if value.year < MIN_YEAR or value > now + _MAX_SKEW:
        return None
    return value


def date_from_url(url: str) -> datetime | None:
    """A full ``/2019/10/19/`` (or ``20191019``) date in the URL's path; None otherwise."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.IGNORECASE)
    m = _URL_DATE.search(path) or _URL_DATE_COMPACT.search(path)
    if not m:
        return None
    value = _build(int(m[1]), int(m[2]), int(m[3]))
    return value.replace(tzinfo=UTC) if value is not None else None


# a full date inside a path segment ("/meldungen/29-10-2021", "/news/2021_10_29-title"),
# not the /2021/10/29/ form (:func:`date_from_url`)
_SLUG_DMY = re.compile(r"(?<![\d.])(\d{2})([-_.])(\d{2})\2((?:19|20)\d{2})(?![\d.])")
_SLUG_YMD = re.compile(r"(?<!\d)((?:19|20)\d{2})([-_])(\d{2})\2(\d{2})(?!\d)")


def date_in_slug(url: str, *, us_order: bool = False) -> datetime | None:
    """A full date written inside a segment of the URL's path ("/meldungen/29-10-2021"),
    day first unless ``us_order`` and the first part could be a month (as :func:`parse_date`
    reads ``a/b/yyyy``); None when the path has none."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.IGNORECASE).split("?")[0]
    m = _SLUG_YMD.search(path)
    if m:
        value = _build(int(m[1]), int(m[3]), int(m[4]))
    else:
        m = _SLUG_DMY.search(path)
        if not m:
            return None
        a, b = int(m[1]), int(m[3])
        day, month = (b, a) if us_order and a <= 12 else (a, b)
        value = _build(int(m[4]), month, day)
    return value.replace(tzinfo=UTC) if value is not None else None


_ISO_DAY = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_ISO_ANYWHERE = re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)" + _TIME, re.IGNORECASE)
_WRITTEN = (_ISO_ANYWHERE, _YMD_SLASH, _NUMERIC, _DMY_WORDS, _MDY_WORDS)
# the end of a range ("9-23 Feb 2017", "vom 9.1. - 10.2.2023", "2 to 5 May 2020"): an event
_RANGE_END = re.compile(r"\d\.?\s*(?:[-\u2013\u2014]|bis|to|au|al)\s*$", re.IGNORECASE)


def first_date(text: str, *, us_order: bool = False) -> tuple[int, datetime, int | None] | None:
    """The first date written in ``text`` (any format :func:`parse_date` reads, with its time
    when one follows): (its position, aware value, the page's offset or None), or None.
    The end of a range ("9-23 Feb 2017") is no date of its own and is skipped."""
    found: list[tuple[int, int]] = []
    for rx in _WRITTEN:
        found.extend((m.start(), m.end()) for m in rx.finditer(text)
                     if not _RANGE_END.search(text[max(0, m.start() - 8):m.start()]))
    for start, end in sorted(found):
        parsed = parse_date_local(text[start:end], us_order=us_order)
        if parsed is not None:
            return start, parsed[0], parsed[1]
    return None


def _day(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def days_in_text(text: str) -> set[date]:
    """Every calendar day written in ``text`` (numeric or with a month name, any order).

    For checking that a page shows a date, not for parsing one: an ambiguous ``03/04/2020``
    yields both days; ``03.04.2020`` only 3 April (dotted dates are day first).
    """
    found: set[date | None] = set()
    for m in _ISO_DAY.finditer(text):
        found.add(_day(int(m[1]), int(m[2]), int(m[3])))
    for m in _YMD_SLASH.finditer(text):
        found.add(_day(int(m[1]), int(m[2]), int(m[3])))
    for m in _NUMERIC.finditer(text):
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        found.add(_day(year, b, a))
        # dots separate day.month.year; slashes and dashes are either order
        if m[2] != ".":
            found.add(_day(year, a, b))
    for m in _DMY_WORDS.finditer(text):
        found.add(_day(int(m[3]), _MONTHS[m[2].lower()], int(m[1])))
    for m in _MDY_WORDS.finditer(text):
        found.add(_day(int(m[3]), _MONTHS[m[1].lower()], int(m[2])))
    return {d for d in found if d is not None}


def day_positions(text: str, day: date) -> list[int]:
    """Where ``text`` writes the calendar day ``day`` (start of each date written, any format
    :func:`days_in_text` reads), in order."""
    return sorted({m.start() for rx in _WRITTEN for m in rx.finditer(text)
                   if day in days_in_text(m[0])})


# The main time zone of a country (ISO 3166 code, lower case): where most of its newsrooms
# publish from. Countries spanning several zones are given the zone of their capital or
# largest media market (US: New York, BR: São Paulo, CA: Toronto, AU: Sydney, RU: Moscow);
# a guess: used to check a day the page also writes, and (from a country-code domain only) to
# place a time of day the page wrote without a zone (see :func:`zone_offset`).
COUNTRY_ZONES: dict[str, str] = {
    "ar": "America/Argentina/Buenos_Aires", "bo": "America/La_Paz", "br": "America/Sao_Paulo",
    "cl": "America/Santiago", "co": "America/Bogota", "cr": "America/Costa_Rica",
    "cu": "America/Havana", "do": "America/Santo_Domingo", "ec": "America/Guayaquil",
    "gt": "America/Guatemala", "hn": "America/Tegucigalpa", "mx": "America/Mexico_City",
    "ni": "America/Managua", "pa": "America/Panama", "pe": "America/Lima",
    "py": "America/Asuncion", "sv": "America/El_Salvador", "uy": "America/Montevideo",
    "ve": "America/Caracas", "pr": "America/Puerto_Rico", "us": "America/New_York",
    "ca": "America/Toronto",
    "gb": "Europe/London", "uk": "Europe/London", "ie": "Europe/Dublin", "pt": "Europe/Lisbon",
    "es": "Europe/Madrid", "fr": "Europe/Paris", "be": "Europe/Brussels",
    "nl": "Europe/Amsterdam", "lu": "Europe/Luxembourg", "de": "Europe/Berlin",
    "at": "Europe/Vienna", "ch": "Europe/Zurich", "it": "Europe/Rome", "dk": "Europe/Copenhagen",
    "no": "Europe/Oslo", "se": "Europe/Stockholm", "pl": "Europe/Warsaw", "cz": "Europe/Prague",
    "sk": "Europe/Bratislava", "hu": "Europe/Budapest", "si": "Europe/Ljubljana",
    "hr": "Europe/Zagreb", "rs": "Europe/Belgrade", "fi": "Europe/Helsinki",
    "ee": "Europe/Tallinn", "lv": "Europe/Riga", "lt": "Europe/Vilnius", "gr": "Europe/Athens",
    "ro": "Europe/Bucharest", "bg": "Europe/Sofia", "ua": "Europe/Kyiv", "tr": "Europe/Istanbul",
    "ru": "Europe/Moscow", "il": "Asia/Jerusalem", "in": "Asia/Kolkata", "cn": "Asia/Shanghai",
    "hk": "Asia/Hong_Kong", "tw": "Asia/Taipei", "jp": "Asia/Tokyo", "kr": "Asia/Seoul",
    "sg": "Asia/Singapore", "ph": "Asia/Manila", "au": "Australia/Sydney",
    "nz": "Pacific/Auckland", "za": "Africa/Johannesburg", "ng": "Africa/Lagos",
    "ke": "Africa/Nairobi", "eg": "Africa/Cairo",
}
# Languages spoken (as a page's main language) in one time zone, or in several that share
# their offset at any time (German: Germany, Austria, Switzerland).
LANGUAGE_ZONES: dict[str, str] = {
    "de": "Europe/Berlin", "pl": "Europe/Warsaw", "cs": "Europe/Prague",
    "sk": "Europe/Bratislava", "hu": "Europe/Budapest", "it": "Europe/Rome",
    "nl": "Europe/Amsterdam", "da": "Europe/Copenhagen",
    "sv": "Europe/Stockholm", "nb": "Europe/Oslo", "nn": "Europe/Oslo", "no": "Europe/Oslo",
    "fi": "Europe/Helsinki", "et": "Europe/Tallinn", "lv": "Europe/Riga", "lt": "Europe/Vilnius",
    "el": "Europe/Athens", "ro": "Europe/Bucharest", "bg": "Europe/Sofia", "uk": "Europe/Kyiv",
    "tr": "Europe/Istanbul", "he": "Asia/Jerusalem", "ja": "Asia/Tokyo", "ko": "Asia/Seoul",
    "sl": "Europe/Ljubljana", "hr": "Europe/Zagreb",
}


def zone_offset(zone_name: str | None, instant: datetime) -> int | None:
    """The UTC offset in minutes of the IANA zone ``zone_name`` at ``instant``; None when
    the zone is unknown or the system has no time zone database."""
    if not zone_name:
        return None
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return offset_minutes(instant.astimezone(zone))
