"""The second-opinion body extractor (trafilatura), run on the tree newspaper3k already parsed.

trafilatura is imported here only (never in :mod:`worker.parse`). It receives the lxml tree of
``ParsedPage.doc`` (so the HTML is not parsed a second time); it copies the tree before
cleaning it. The only change made to the tree is the removal of HTML comments and processing
instructions, so run this after the metadata pass. Its metadata pass (htmldate and friends) is off:
metadata comes from :mod:`worker.metadata`. Comments are excluded.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import weakref
from collections.abc import Sequence
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any

import htmldate.core
import htmldate.extractors
import trafilatura
import trafilatura.core
from dateparser import DateDataParser
from dateparser.languages.loader import default_loader
from htmldate import find_date
from lxml import etree
from trafilatura.settings import Extractor

__all__ = ["trafilatura_text", "htmldate_published", "SECOND_EXTRACTOR_NAME",
           "use_fast_content_reuse"]

SECOND_EXTRACTOR_NAME = f"trafilatura/{trafilatura.__version__}"

# trafilatura logs a warning for every page it discards; that is an expected outcome here.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


# -- the full run reuses the fast run's main extraction ------------------------------------------
# ``fast`` only decides whether trafilatura compares its own extraction with readability and
# jusText: the cleaning and its main extractor (``extract_content``) give the same result in
# both modes. When the full run directly follows a fast run on the same tree (same object, same
# URL; the caller second-guessing a short fast text), the fast run's ``extract_content`` result
# (a fresh element tree, kept as a copy) is handed out again instead of computed a second time.
# The slot is one per thread and consumed by the next call, whatever it is.
_original_extract_content = trafilatura.core.extract_content
_reuse = threading.local()
_reuse_fast_content = True


def use_fast_content_reuse(enabled: bool = True) -> None:
    """Reuse (or, for comparison, do not reuse) the fast run's main extraction in a full run."""
    global _reuse_fast_content
    _reuse_fast_content = enabled
    _reuse.saved = None


def _extract_content(cleaned_tree: Any, options: Any) -> Any:
    replay = getattr(_reuse, "replay", None)
    if replay is not None:
        _reuse.replay = None
        body, text, length = replay
        return deepcopy(body), text, length
    result = _original_extract_content(cleaned_tree, options)
    if getattr(_reuse, "capture", None) is not None:
        body, text, length = result
        _reuse.capture = (deepcopy(body), text, length)
    return result


trafilatura.core.extract_content = _extract_content


def trafilatura_text(doc: Any, url: str | None = None, *, fast: bool = False) -> str:
    """trafilatura's main text of the page tree ``doc`` ("" when it finds none)."""
    saved, _reuse.saved = getattr(_reuse, "saved", None), None
    if doc is None:
        return ""
    _reuse.capture = _reuse.replay = None
    if _reuse_fast_content:
        if fast:
            _reuse.capture = ()
        elif saved is not None and saved[0]() is doc and saved[1] == url:
            _reuse.replay = saved[2]
    try:
        return _trafilatura_text(doc, url, fast)
    finally:
        if fast and _reuse.capture:
            _reuse.saved = (weakref.ref(doc), url, _reuse.capture)
        _reuse.capture = _reuse.replay = None


def _trafilatura_text(doc: Any, url: str | None, fast: bool) -> str:
    # Comments and processing instructions in the tree (trafilatura's own parser drops them)
    # cost trafilatura about 3 points of recall; they carry no content, so they go.
    etree.strip_elements(doc, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    options = Extractor(output_format="python", comments=False, tables=True, fast=fast,
                        url=url)
    try:
        result = trafilatura.bare_extraction(doc, url=url, options=options)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError):
        return ""
    if result is None:
        return ""
    text = getattr(result, "text", None)
    return text if isinstance(text, str) else ""


# -- htmldate's dateparser, limited to the page's languages -------------------------------------
# htmldate's extensive search hands date-like text it cannot read itself to dateparser, one
# parser over all of dateparser's ~200 locales: 20-100 ms a call, nearly always for nothing.
# Given the page's languages (claimed and detected) plus English, a parser over just those
# locales is used instead, trying them in the all-locale parser's order: where the all-locale
# parser's answer comes from one of them, the answer is the same (web-eval: the same dates on
# all 990 pages). Without known languages the all-locale parser is used as before. The parser is
# chosen per call of ``htmldate_published`` (thread-local), and htmldate's memo of date
# expressions is keyed by it too, so one page's parser never answers for another's.
_ALL_LOCALES_PARSER = htmldate.extractors.EXTERNAL_PARSER
_LOCALE_ORDER = {lang: i for i, lang in enumerate(default_loader.get_locale_map())}
_uncached_try_date_expr = htmldate.extractors.try_date_expr.__wrapped__
_current = threading.local()
_page_languages = True


@functools.lru_cache(maxsize=64)
def _date_parser(languages: tuple[str, ...]) -> DateDataParser:
    return DateDataParser(languages=list(languages), settings={
        # htmldate's own settings (htmldate.extractors.EXTERNAL_PARSER)
        "NORMALIZE": True,
        "PARSERS": ["custom-formats", "absolute-time"],
        "PREFER_DATES_FROM": "past",
        "PREFER_LOCALE_DATE_ORDER": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": True,
    })


class _PageDateParser:
    """Stands in for htmldate's parser: the current page's, else the all-locale one."""

    def get_date_data(self, date_string: str) -> Any:
        parser = getattr(_current, "parser", None) or _ALL_LOCALES_PARSER
        return parser.get_date_data(date_string)


@functools.lru_cache(maxsize=htmldate.extractors.CACHE_SIZE)
def _try_date_expr_for(parser: Any, string: str | None, outputformat: str,
                       extensive_search: bool, min_date: datetime,
                       max_date: datetime) -> str | None:
    return _uncached_try_date_expr(string, outputformat, extensive_search, min_date, max_date)


def _try_date_expr(string: str | None, outputformat: str, extensive_search: bool,
                   min_date: datetime, max_date: datetime) -> str | None:
    """htmldate's memoised date-expression reader, memoised per dateparser instance."""
    return _try_date_expr_for(getattr(_current, "parser", None), string, outputformat,
                              extensive_search, min_date, max_date)


def use_page_languages(enabled: bool = True) -> None:
    """Install (or, for comparison, remove) the per-page dateparser in htmldate."""
    htmldate.extractors.EXTERNAL_PARSER = _PageDateParser() if enabled else _ALL_LOCALES_PARSER
    htmldate.core.try_date_expr = (_try_date_expr if enabled  # type: ignore[assignment]
                                   else htmldate.extractors.try_date_expr)
    global _page_languages
    _page_languages = enabled


use_page_languages()


# -- htmldate's whole-page date patterns, with their first character checked first -----------
# When a page has no better date, htmldate runs two case-insensitive patterns over the whole
# HTML (about 125 kB): month-name dates ("12 March 2021") and labelled numeric ones ("Datum:
# 12.03.2021"). Python's regex engine tries every alternative at every position: up to 140 ms a
# page. The same patterns behind a lookahead for the characters a match can start with (a
# digit or a month name's or label's first letter, in any case) find exactly the same matches,
# since every match starts with one of them, in about half the time; and a labelled numeric
# date needs "d.m.yy"-like digits, so a page without any is not searched at all (web-eval: the
# same match on every call).
def _first_letters(words: Sequence[str]) -> str:
    letters: set[str] = set()
    for word in words:
        letters.update(word[1:word.index("]")] if word.startswith("[") else word[0])
    return "".join(sorted(letters))


_MONTH_NAMES = [m for m in htmldate.extractors.REGEX_MONTHS.replace("\n", "").split("|") if m]
_TEXT_LABELS = ("date", "updated", "last-modified", "published", "posted", "on", "Datum",
                "Stand", "Veröffentlicht", "güncelle", "yayı")
_NUMERIC_DATE = re.compile(r"[0-9][./][0-9]{1,2}[./][0-9]{2}")
_original_idiosyncrasies_search = htmldate.core.idiosyncrasies_search


def _behind_first_letters(pattern: re.Pattern[str], words: Sequence[str]) -> re.Pattern[str]:
    return re.compile(f"(?=[0-9{_first_letters(words)}])(?:{pattern.pattern})", pattern.flags)


def _idiosyncrasies_search(htmlstring: str, options: Any) -> str | None:
    if not _NUMERIC_DATE.search(htmlstring):
        return None
    return _original_idiosyncrasies_search(htmlstring, options)


_ORIGINAL_DATE_PATTERNS = (htmldate.extractors.LONG_TEXT_PATTERN,
                           htmldate.extractors.TEXT_PATTERNS)
htmldate.extractors.LONG_TEXT_PATTERN = _behind_first_letters(
    htmldate.extractors.LONG_TEXT_PATTERN, _MONTH_NAMES)
htmldate.extractors.TEXT_PATTERNS = _behind_first_letters(
    htmldate.extractors.TEXT_PATTERNS, _TEXT_LABELS)
htmldate.core.idiosyncrasies_search = _idiosyncrasies_search  # type: ignore[assignment]


def _page_parser(languages: Sequence[str]) -> DateDataParser | None:
    if not _page_languages:
        return None
    known = {lang for lang in languages if lang in _LOCALE_ORDER}  # others: no dateparser locale
    if not known:
        return None
    return _date_parser(tuple(sorted(known | {"en"}, key=_LOCALE_ORDER.__getitem__)))


def htmldate_published(doc: Any, url: str | None, extensive: bool = False,
                       languages: Sequence[str] = ()) -> datetime | None:
    """htmldate's original publication date of ``doc`` (a day, midnight UTC), or None.

    ``languages`` (ISO 639-1 codes of the page) limit the locales dateparser tries.
    """
    if doc is None:
        return None
    _current.parser = _page_parser(languages)
    try:
        found = find_date(doc, url=url, original_date=True, extensive_search=extensive,
                          outputformat="%Y-%m-%d")
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError):
        return None
    finally:
        _current.parser = None
    if not found:
        return None
    try:
        return datetime.strptime(str(found), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
