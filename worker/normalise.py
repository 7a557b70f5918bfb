"""From newspaper3k's result to one clean :class:`schemas.ArticleRecord`.

``build_record`` is the single entry point used by the parse task, ``news-ingest extract``
and ``news-ingest fetch``: the same code path everywhere. ``record.provenance`` names, for
every filled field, the source its value came from (``jsonld``, ``og``, ``article``,
``itemprop``, ``meta``, ``dc``, ``twitter``, ``time``, ``html``, ``url``, ``langid``,
``newspaper3k``, ``trafilatura``), so a wrong value can be traced.

Precedence, field by field (the first source that yields a valid value wins)
-----------------------------------------------------------------------------
Structured sources are ranked by :mod:`worker.metadata`: JSON-LD article object, OpenGraph
``og:*`` / ``article:*``, ``<meta name>`` (parsely, sailthru, ...), microdata ``itemprop``,
Dublin Core, Twitter card, JSON-LD WebPage object, ``<time datetime>``, plain HTML.

title        structured ranking, then newspaper3k (a value that is the site's name alone
             gives way to a later one that is not; when newspaper3k took the site's name, a
             logo <h1> that the <title> contains: the <title> itself); a " | Site name" suffix or
             prefix (and WordPress's "Blog Archive" crumb) is cut
             when the cut part is the site's name or domain, a date/time part likewise; in
             Chinese or Japanese a last part of 2-6 characters after an unspaced "-", "_"
             or "|" ("标题-新华网": the name the Latin domain cannot match) too; HTML
             entities decoded; a title cut short that the ``<title>`` continues (an
             ellipsis, an unescaped quote, a CMS limit: :func:`untruncated`) is the
             ``<title>``'s. Then the visible headline (first ``<h1>`` in ``<article>``/
             ``<main>``, else the only ``<h1>`` (one text printed twice is one), else the
             one ``<h1>`` a declared title confirms (:func:`confirmed_heading`: it covers
             more than half of its words), else an ``<h2>`` a declared title confirms
             likewise; visually hidden parts left out, a kicker its markup prints in
             front of it dropped, see :func:`drop_kicker`) replaces it when the declared
             titles confirm it (see :func:`prefer_headline`): declared titles carry kickers
             and SEO wording. With no ``<h1>``, or only one-word ones (a wiki's "Page" and
             "User" menus), the page's only ``<h2>`` is taken as a lone ``<h1>`` would be.
             The ``<title>`` as written, when no declared title has its words (newspaper3k's
             cuts it at its own separators), confirms an ``<h2>`` or the headline likewise
             when that has two words or more and covers more than half of it; so does
             the title a comment section's ``<h2>`` quotes ("3 thoughts on “Headline”").
             A headline ``<h1>`` that is a breadcrumb trail's last crumb and no declared
             title gives yields to the article's ``<h2>`` printed as kicker and headline
             when a declared title gives that headline (:func:`crumb_headline`).
             A title taken from no heading whose part before or after a separator is
             shown as an ``<h1>``/``<h2>`` of two words or more is cut to that part
             ("Villa Aurora - Holiday home in Florida" under an ``<h2>`` "Villa Aurora":
             the rest is a tagline; :func:`shown_part`).
             Stored in Unicode's composed form (NFC).
published_at structured ranking (JSON-LD article to Twitter card); when those sources disagree
             on the day, the day most of them give (one vote per source, newspaper3k's date
             included; see :func:`_consensus`); a full date in the URL
             path wins when they differ by more than a day (the URL is fixed at first
             publication; the CMS date moves on re-publication); when the chosen day is
             written nowhere on the page but another source's day (within a year) is, that
             one (:func:`_shown_instead`: a CMS date moved on by an update); when the page
             writes that value's other day/month reading and not its own, the other one
             (:func:`_other_order`: "11/01/2023" of a month-first CMS on a German page whose
             text writes "01.11.2023"; dotted dates are read day first); a chosen day the
             page writes only as a change's ("Zuletzt geändert am: 15.10.2021") gives way to
             an earlier day (within a year) the text says is the publication's
             ("Erschienen am: 13.10.2021", :func:`said_published`); a plain ``<meta>``
             date (``name="date"``, ``pubdate`` ...) one to three days after the header's
             date line gives way to it (the CMS's build or change time); a chosen day still
             written nowhere gives way to the header's date line (within a year); then ``<time>``,
             JSON-LD WebPage and the page's only ``<time>`` outside comments, or the header's
             date line (:func:`dateline`) when it gives another day; then a date the text
             says is the publication's (:func:`said_published`); then htmldate
             on the page (markup and text); then newspaper3k; then a publication date in
             inline script data (:func:`script_published`); then a full date inside a
             segment of the URL's path (:func:`worker.dates.date_in_slug`). A WebPage,
             only-``<time>`` or htmldate day is kept only when the page's visible text writes
             that day (in
             any format, :func:`worker.dates.days_in_text`) outside comment sections,
             reader reviews, cookie banners, ``<aside>`` and related/recent-post boxes
             (teasers) and not only as a range's end or a cited source's access
             day ("Zugriff am 20.05.2018"): on shops, landing and company pages they are
             the CMS's page date or a guess, not a publication date. On a recipe or FAQ
             page (JSON-LD or microdata type) a day the page does not write (text, URL) is
             dropped: the CMS entry's date of a reference page. Each
             value is parsed by :mod:`worker.dates` (time zone kept, stored UTC; no zone ->
             UTC; day/month order from the page's language/locale) and must be plausible
             (not in the future, not before 1990) or it is skipped. No value -> NULL: never
             the fetch time.
published_offset_minutes  the page's own UTC offset of that value (None: no zone given);
             when the chosen value is in UTC or zone-less, recovered from another value of
             the same instant on the page (see :func:`local_offset`); a value still in UTC
             gets the offset of the page's zone (country-code domain, locale, language) when
             its day there differs and the page writes that day (see :func:`zone_day`); an
             offset whose local day the page writes nowhere, while it writes the UTC day and
             time, is 0 (the page shows UTC: :func:`_shows_utc_time`).
             ``published_at + offset`` is the local publication time; its day is the page's
             publication day.
modified_at  structured ranking; dropped when before ``published_at``.
authors      the first source that yields at least one clean name (all its names are kept,
             e.g. several JSON-LD authors): structured sources (a JSON-LD author given as an
             ``@id`` reference is looked up in the page's graph), ``rel=author`` links,
             visible byline markup (``class="author"``, ``byline`` ...), a visible text line
             "Von/By/Text: First Last" (:mod:`worker.metadata`, ``textline``), then any
             element whose class has "author" in it and whose text is a name
             (``author-class``), then the name of a link to an author's profile page
             ("/author/jane-doe/", ``author-link``), then a user name classed
             ``username`` (forums, Drupal; ``username``), a line of a byline word, one
             user name and a date ("von jdoe am 20.09.2020", ``user-line``), then the name
             on the post author's
             own comment (WordPress ``bypostauthor``, ``post-author-comment``); when one
             value of another source
             names all the chosen authors and more people (shown, reading as persons'
             names: "Jane Doe" in JSON-LD, "Jane Doe und John Roe" in the byline), its
             names (:func:`_co_authors`); newspaper3k's guesses are not used
             (:data:`NEWSPAPER_AUTHORS`). Names from every source must be shown on the page
             (the ``<meta name=author>`` is often the web agency or site owner, a hidden
             JSON-LD author the CMS account), not only inside an element hidden by its inline
             style (a theme's hidden author vcard); microdata authors of reviews and comments are
             ignored. Cleaned the same way: "By"/"Von"/"Par" prefixes, e-mail addresses,
             URLs, handles, dates, job titles, "Staff"-like words and the site's own name
             are removed; "A and B", "A, B", "A & B", "A und B" are split; duplicates
             (case-insensitive) dropped.
             A personal site's owner is the exception to "the site's own name is no author":
             when no source gives another name, a name that is the site's name is kept when
             an article source (JSON-LD, ``article:author``, ``rel=author``, byline markup or
             text) gives it and it reads as a person's name (:func:`person_like`: two or three
             capitalised words, no media or organisation word: "Daniel Lemire", not "Presse
             Augsburg"). Still none: an article signed at its end, its body's last paragraph
             a person's name standing alone in a ``<p>`` (bold or italic; not a link, button,
             heading or list item), source "signature" (:data:`SIGNATURE_AUTHORS`).
             Organisation authors (JSON-LD ``Organization``, the site's name, a value with a
             legal form, public-body or company word: "GmbH", "S.A.", "Ministerium",
             "Institut", "Solutions", "Group" ...)
             go to ``publisher`` instead; news agencies named alone ("AFP", "EFE") and desks
             ("Redacción EC") are dropped; degrees ("PhD") are not names.
publisher    JSON-LD ``publisher``, ``og:site_name``, JSON-LD WebSite name, Dublin Core,
             other ``<meta>``; then an organisation found among the authors.
language     ``<html lang>`` / JSON-LD ``inLanguage`` / ``og:locale`` / ``<meta>``, reduced to
             ISO 639-1, checked against py3langid on the body: a confident disagreement
             (p >= 0.9 on >= 200 characters) replaces the page's claim; no claim -> the
             detected language when p >= 0.5.
text         see :func:`choose_body`: both bodies are computed (trafilatura on the same
             tree), a measured rule keeps one; then paragraph clean-up (:func:`clean_body`):
             whitespace collapsed, short photo-credit / share / teaser / comment-count
             lines dropped. ``extractor`` names the one kept.
description  structured ranking, then newspaper3k's meta description. Description, section,
             tags and publisher are plain text: entities decoded (also a CMS's double
             escaping, "&amp;#8217;"), HTML tags removed (see :func:`_plain`).
tags         JSON-LD keywords, ``article:tag``, news_keywords/keywords/parsely-tags, Dublin
             Core subject, newspaper3k's tags; trimmed, de-duplicated case-insensitively.
section      structured ranking (JSON-LD articleSection, ``article:section``, parsely-section).
top_image    structured ranking (JSON-LD image, og:image, twitter:image), then newspaper3k's;
             absolute http(s) URLs only.
images       top image first, then newspaper3k's images; absolute, de-duplicated, at most 50.
canonical    ``<link rel=canonical>``, then ``og:url``, then JSON-LD mainEntityOfPage.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urljoin

from schemas import ArticleRecord
from worker.body import SECOND_EXTRACTOR_NAME, htmldate_published, trafilatura_text
from worker.dates import (
    COUNTRY_ZONES,
    LANGUAGE_ZONES,
    MONTH_NAMES,
    date_from_url,
    date_in_slug,
    day_positions,
    days_in_text,
    first_date,
    offset_minutes,
    parse_date,
    parse_date_local,
    plausible,
    zone_offset,
)
from worker.errors import PermanentError
from worker.metadata import (
    LAYOUT_CLASS,
    Candidate,
    PageMetadata,
    extract_metadata,
    hidden_by_style,
)
from worker.parse import EXTRACTOR_NAME, ParsedPage, parse_html
from worker.urls import article_identity, domain_of

__all__ = ["build_record", "extract_record", "clean_text", "content_hash", "clean_authors",
           "clean_body", "choose_body", "detect_language"]

_WS = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_LANG = re.compile(r"^[a-z]{2}$")
_MAX_IMAGES = 50
# <time> elements and JSON-LD WebPage objects: used for dates after the URL's own date
_WEAK_DATE_SOURCES = frozenset({"time", "time:only", "jsonld:page", "html"})
# Date sources that guess (htmldate) or describe the CMS's page rather than the article
# (JSON-LD WebPage): their day is kept only when the page's visible text writes it.
_SHOWN_DATE_SOURCES = frozenset({"jsonld:page", "htmldate", "time:only"})
# htmldate as the last-but-one date source: None = off, False = markup only, True = also
# the page's free text ("extensive search"). With its day required to be shown on the page,
# the extensive search measured on web-eval (metadata only): date 597 -> 621 of 728, false
# fills 91 -> 100 of 442 (markup only before).
HTMLDATE_FALLBACK: bool | None = True
# Sources that pick up every byline-looking node (comment sections, teaser lists): more names
# than this from one of them is taken as noise, not as the article's authors.
_LOOSE_AUTHOR_SOURCES = frozenset({"html", "byline", "textline", "author-class",
                                   "author-link", "username", "user-line", "post-author-comment",
                                   "newspaper3k"})
_MAX_LOOSE_AUTHORS = 4
# newspaper3k's author guesses as the last author source. Off: on web-eval (metadata only)
# they were right on 6 pages, wrong on 18 and a false fill on 11 of 313 author-less pages.
NEWSPAPER_AUTHORS = False
SITE_OWNER_AUTHORS = True
CO_AUTHORS_ELSEWHERE = True
# the body's last paragraph alone a person's name, printed as its own paragraph
SIGNATURE_AUTHORS = True
# names only in elements hidden by an inline style or the hidden attribute are not shown
HIDDEN_NOT_SHOWN = True
# a one-word user name that only starts with the site's name is no site name ("Limespacer")
USER_NAME_NOT_SITE_PREFIX = True
# a name counts as shown only as whole words (not "AgE" inside "eintragen", not "Manniac" of
# a link "manniac.de")
WHOLE_WORDS_SHOWN = True
# a profession in front of a name is cut ("Rechtsanwalt Jane Doe" -> "Jane Doe")
JOB_BEFORE_NAME = True
# a title no heading gave is cut to its one part the page shows as a heading (shown_part)
SHOWN_PART = True
# only one-word <h1> (box labels) count as no <h1> for the lone-<h2> rule
LABEL_H1_NONE = True
# An author name is kept only when the page shows it: <meta name=author>, Dublin Core,
# microdata and newspaper3k often name the site's owner, its web agency or a sidebar profile
# (measured on web-eval: false author fills 89 -> 59 of 313 pages, accuracy unchanged), and a
# JSON-LD author the reader never sees is mostly the CMS account that posted the page (the
# same check on JSON-LD too: false author fills 59 -> 44, author accuracy +1 page).


def clean_text(text: str) -> str:
    """Collapse runs of spaces inside paragraphs; keep one blank line between paragraphs."""
    paragraphs = []
    for block in re.split(r"\n\s*\n|\n", text or ""):
        line = _WS.sub(" ", block).strip()
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def content_hash(text: str) -> str | None:
    if not text:
        return None
    canon = " ".join(text.lower().split())
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _one_line(value: str | None) -> str:
    return _WS.sub(" ", (value or "").replace("\n", " ")).strip()


_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+\d*);")


def _plain(value: str | None) -> str:
    """One line of plain text from a metadata value: HTML entities decoded (twice when a CMS
    escaped them twice: "&amp;#8217;"), tags removed ("<p>Summary</p>"), whitespace collapsed.
    For description, section, tags and publisher."""
    text = html_lib.unescape(value or "")
    if _ENTITY.search(text):
        text = html_lib.unescape(text)
    return _one_line(_TAG.sub(" ", text))


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        item = _one_line(item)
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _absolute(base: str, link: str | None) -> str | None:
    link = (link or "").strip()
    if not link or link.startswith("data:"):
        return None
    try:
        absolute = urljoin(base, link)
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


# Images that are no picture of the article: tracking pixels and counters, icons, logos,
# avatars (commenters'), emoji, spacers and placeholders; matched on the URL's host and path.
_NOT_PICTURE = re.compile(
    r"(?:^|[/.?_-])(?:favicon|apple-touch-icon|icons?|logos?|sprites?|emoji|avatars?|spacer|"
    r"blank|transparent|placeholder|loading|loader|spinner|pixel|tracker|tracking|beacon|counter|"
    r"cleardot)"
    r"(?=[/._?-]|$)|\.ico(?:\?|$)|//(?:ads?|adserver|pagead2?)\.|gravatar\.com/avatar|"
    r"doubleclick\.net|google-analytics\.com|facebook\.com/tr\b|scorecardresearch\.com|"
    r"quantserve\.com|statcounter\.com|\.(?:ivwbox|wemfbox|met\.vgwort)\.|"
    r"(?:piwik|matomo)\.php", re.IGNORECASE)
# The attributes a lazily loaded <img> keeps its real address in (its src a placeholder)
_LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-srcset", "data-lazy")


def _picture(url: str | None) -> str | None:
    """``url`` unless it is a tracking pixel, an icon, an avatar or a placeholder."""
    return url if url and not _NOT_PICTURE.search(url) else None


def _tiny(img: Any) -> bool:
    """Whether an <img> declares itself at most 2 pixels wide or high (a tracking pixel)."""
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) <= 2:
            return True
    return False


# The page's furniture around the article, whose pictures belong to other articles or to the
# site: navigation and menus, footers, sidebars and their widgets, teasers, related, popular
# and recommended lists, comments, newsletter boxes. A class or id word must start with one
# ("site-footer", "relatedPosts", "td_block_related"; not "canvas"); "widget" only as a word
# of its own or a widget area (page builders call every content block "elementor-widget").
# Kin to worker.metadata's off-article regions for bylines, but not the same list: a slider
# or an embed there is often the article's own gallery or video, and it stops at the
# article's content block and at wrappers of the headline.
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:comments?|footer|sidebar|related|teasers?|nav|navbar|navigation|menu|"
    r"recommend\w*|aside|most-?read|popular|more-?stories|newsletter)|"
    r"(?:^|\s)widgets?(?=$|[\s_-])|widget[-_]area", re.IGNORECASE)
_FURNITURE_TAGS = frozenset({"footer", "nav", "aside"})
# ... but words that describe the layout around the article are none ("has-sidebar",
# "layout-sidebar-right", "sidebar-off")
_NO_FURNITURE = re.compile(r"(?:^|\s)[\w-]*(?:sidebars?|nav)[-_](?:off|none|no|hidden)(?=$|\s)",
                           re.IGNORECASE)
# The article's own content block: above it, class words are the page's layout
_CONTENT_BLOCK = re.compile(r"(?:^|[\s_-])(?:entry|post|article|story)[-_]?(?:content|body|text)"
                            r"(?=$|[\s_-])", re.IGNORECASE)


def _in_furniture(el: Any, headline_holders: set[Any]) -> bool:
    """Whether ``el`` sits in the page's furniture (see ``_FURNITURE``), looking up to the
    article's content block, ``<main>`` or the ``articleBody``. An element holding an
    ``<h1>`` (``headline_holders``) is a wrapper of the article whatever its name
    ("navigation-container" around a whole page with an off-canvas menu), and <body>/<html>
    classes describe the page's layout: neither counts."""
    for a in el.iterancestors():
        if a.tag in ("body", "html", "main") or a.get("itemprop") == "articleBody":
            return False
        if a in headline_holders:
            continue
        if a.tag in _FURNITURE_TAGS:
            return True
        names = f"{a.get('class') or ''} {a.get('id') or ''}"
        if _FURNITURE.search(_NO_FURNITURE.sub(" ", LAYOUT_CLASS.sub(" ", names))):
            return True
        if _CONTENT_BLOCK.search(names):
            return False
    return False


def page_images(doc: Any, base: str, fallback: list[str]) -> list[str]:
    """The article's pictures in document order, as absolute URLs: each <img>'s ``src``, or
    the address a lazily loaded one keeps in ``data-src`` and the like; no tracking pixels,
    icons, logos, avatars or placeholders, nor pictures in the page's furniture (menus,
    sidebars, teasers of other articles, comments, footers). ``fallback`` (newspaper3k's
    image set) is used when there is no tree."""
    if doc is None:
        return [u for u in (_picture(_absolute(base, i)) for i in fallback) if u]
    out: list[str] = []
    holders = {a for h1 in doc.iter("h1") for a in h1.iterancestors()}
    for img in doc.iter("img"):
        if len(out) >= 4 * _MAX_IMAGES:
            break
        if _tiny(img) or _in_furniture(img, holders):
            continue
        # a lazily loaded image's real address first: its src is a placeholder or a preview
        for attr in _LAZY_SRC + ("src",):
            raw = (img.get(attr) or "").strip()
            if attr.endswith("srcset"):
                # its first candidate: the address up to the first space (an address may
                # hold commas: "/upload/w_1200,h_630/a.jpg 1200w, ...")
                raw = raw.split(None, 1)[0].rstrip(",") if raw else ""
            url = _picture(_absolute(base, raw))
            if url:
                out.append(url)
                break
    return out


def _squash(text: str) -> str:
    """Lower-case letters and digits only: for comparing names with site names/domains."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _plausible_local(found: tuple[datetime, int | None] | None,
                     now: datetime) -> tuple[datetime, int | None] | None:
    """(UTC instant, offset) when the instant is plausible, else None."""
    if found is None:
        return None
    value = plausible(found[0], now)
    return (value, found[1]) if value is not None else None


DATE_CONSENSUS = True
ZONE_DAY = True
SHOWN_DAY_FIRST = True
DAY_ORDER_SHOWN = True
# the date written in the article's header (see :func:`dateline`) before <time>, JSON-LD
# WebPage, htmldate and newspaper3k
DATELINE = True
# a date the page's text says is the publication date ("Erschienen am: 01.11.2023"), before
# htmldate (see :func:`said_published`)
PUBLISHED_SAID = True
# a chosen day the page writes nowhere gives way to the header's date line within this many days
DATELINE_SHOWN = True
_DATELINE_SHOWN_MAX_DAYS = 366
# a chosen day that the page writes only as the day of a change gives way to an earlier day
# the text says is the publication's (see :func:`_only_as_update`)
SAID_OVER_LATER = True
# a local day the page writes nowhere while it writes the UTC day with the UTC time ("6 may
# 2022 - 2:00 a.m." for 02:00Z): the page shows its times in UTC, offset 0
# (see :func:`_shows_utc_time`)
UTC_SHOWN = True
# the last resort: a publication date in inline script data (see :func:`script_published`)
SCRIPT_DATE = True
# after it: a full date inside a segment of the URL's path ("/meldungen/29-10-2021")
SLUG_DATE = True
# a time of day written without a zone is read in the zone of the page's country domain
ZONELESS_IN_COUNTRY = True


def _consensus(when: tuple[datetime, int | None], src: str | None, cands: list[Candidate],
               parse: Any, np_date: datetime | None) -> tuple[Any, str | None]:
    """When the page's sources disagree on the publication day, the day most of them give.

    One vote per source (its first valid value; newspaper3k's date is one more source). The
    first-ranked value is replaced only when strictly more sources give another day: a CMS
    often re-stamps one source (JSON-LD) on re-publication while the others keep the day.
    """
    votes: dict[Any, list[tuple[tuple[datetime, int | None], str]]] = {}
    seen: set[str] = set()
    for cand in cands:
        if cand.source in seen:
            continue
        value = parse(cand.value)
        if value is None:
            continue
        seen.add(cand.source)
        votes.setdefault(_local_day(value), []).append((value, cand.source))
    if np_date is not None:
        votes.setdefault(np_date.date(), []).append(((np_date, None), "newspaper3k"))
    mine = len(votes.get(_local_day(when), []))
    best_day = max(votes, key=lambda d: len(votes[d]), default=None)
    if best_day is not None and len(votes[best_day]) > mine and len(votes[best_day]) >= 2:
        value, source = next((v, s) for v, s in votes[best_day] if s != "newspaper3k") \
            if any(s != "newspaper3k" for _, s in votes[best_day]) else votes[best_day][0]
        return value, source
    return when, src


def _shown_instead(when: tuple[datetime, int | None], src: str | None,
                   cands: list[Candidate], parse: Any,
                   shown: Any) -> tuple[tuple[datetime, int | None], str | None]:
    """The first-ranked value whose day the page writes, when the chosen value's day is
    written nowhere on the page and another source's day is: a CMS date that moved on with
    an update or a re-publication, while the page still shows the publication day."""
    day = _local_day(when)
    if shown.shows_day(day):
        return when, src
    for cand in cands:
        value = parse(cand.value)
        # the same instant written in another zone is no other date (see local_offset)
        if value is not None and abs(value[0] - when[0]) > _SAME_INSTANT and \
                shown.shows_day(_local_day(value)) and \
                abs((_local_day(value) - day).days) <= _SHOWN_INSTEAD_MAX_DAYS:
            return value, cand.source
    return when, src


# A value further from the chosen one is another item's date (a teaser, a comment)
_SHOWN_INSTEAD_MAX_DAYS = 366


def _other_order(when: tuple[datetime, int | None], src: str | None,
                 cands: list[Candidate], parse: Any, parse_other: Any,
                 shown: Any) -> tuple[tuple[datetime, int | None], str | None]:
    """The chosen value read in the other day/month order ("11/01/2023": 1 November, not 11
    January), when the page writes that day and not the chosen one: a CMS's machine format
    is often month/day whatever the page's language."""
    day = _local_day(when)
    if shown.shows_day(day):
        return when, src
    for cand in cands:
        if cand.source != src or parse(cand.value) != when:
            continue
        other = parse_other(cand.value)
        if other is not None and _local_day(other) != day and shown.shows_day(_local_day(other)):
            return other, src
        break
    return when, src


_SAME_INSTANT = timedelta(seconds=90)
# A day without a time that a CMS in central Europe converted to UTC: local midnight is
# exactly 23:00Z (CET) or 22:00Z (CEST) of the day before.
_MIDNIGHT_CET = frozenset({(23, 0, 0, 0), (22, 0, 0, 0)})
# Languages whose pages are mostly published in central European time; the midnight rule is
# a guess, so it is only made for them (a US page at 23:00Z keeps offset 0).
CET_LANGUAGES = frozenset({"de", "fr", "it", "nl", "pl", "cs", "sk", "hu", "sl", "hr", "sr",
                           "bs", "da", "sv", "no", "nb", "nn", "lb", "mt", "sq", "mk"})


def local_offset(when: tuple[datetime, int | None],
                 others: list[tuple[datetime, int | None]],
                 central_european: bool = True) -> tuple[datetime, int | None]:
    """Recover the page's local offset of a publication time from the page's other dates.

    Pages often write one publication time several ways: JSON-LD in UTC (``...Z``), the
    ``<time>`` element or ``article:published_time`` in local time with an offset, or the
    local wall-clock time without any zone. ``when`` is (UTC instant, offset or None for "no
    zone given"); ``others`` are the page's other published values, parsed the same way.

    - ``when`` has a non-zero offset: it is the page's local time already; kept.
    - ``when`` is in UTC (offset 0) or gave no zone: another value of the *same instant*
      with a non-zero offset gives the offset.
    - ``when`` is in UTC: a zone-less value with a time of day whose wall clock is the
      instant shifted by a whole quarter hour (at most 14 h) is the local wall clock; the
      shift is the offset.
    - ``when`` is exactly 23:00Z or 22:00Z with no other clue, on a page in a language of
      central Europe (``central_european``): a day without a time that the CMS converted to
      UTC; the page's day is the next one (+01:00/+02:00).
    - ``when`` gave no zone (taken as UTC): a value with an offset and the same wall clock
      says which zone that wall clock was in; the instant is corrected.
    """
    value, offset = when
    if offset:
        return when
    for other, other_off in others:
        if other_off and abs(other - value) <= _SAME_INSTANT:
            return value, other_off
    if offset == 0:
        for other, other_off in others:
            if other_off is not None or (other.hour, other.minute, other.second) == (0, 0, 0):
                continue
            shift = other - value
            quarters = round(shift.total_seconds() / 900)
            if quarters and abs(quarters) <= 56 and \
                    abs(shift - timedelta(minutes=15 * quarters)) <= _SAME_INSTANT:
                return value, 15 * quarters
        if central_european and \
                (value.hour, value.minute, value.second, value.microsecond) in _MIDNIGHT_CET:
            return value, (24 - value.hour) * 60
        return when
    if (value.hour, value.minute, value.second) != (0, 0, 0):
        for other, other_off in others:
            if not other_off:
                continue
            wall = other + timedelta(minutes=other_off)
            if abs(wall - value) <= _SAME_INSTANT:
                return other, other_off
    return when


# Country-code domains that are sold world-wide as generic names: no country
_VANITY_TLDS = frozenset({"co", "io", "tv", "me", "ai", "fm", "ly", "to", "cc", "ws", "la",
                          "gg", "am", "sh", "ac", "is", "it", "nu", "tk", "ms", "vc", "gl",
                          "so", "st", "im", "xyz", "app", "dev", "news", "blog"})


def page_zone(host: str, locales: list[str]) -> tuple[str | None, bool]:
    """The page's probable time zone and whether the clue is strong.

    Strong: its country-code domain ("lanacion.com.ar"; a code sold world-wide as a generic
    name, like ".co", only as a second level: "x.com.co"). Weak: the region of its declared
    locale ("es_CO", "en-US": often a CMS default), else a language spoken in one zone
    ("de", "fi"). (None, False) when unknown.
    """
    parts = (host or "").lower().rstrip(".").split(".")
    tld = parts[-1] if len(parts) >= 2 else ""
    if tld in COUNTRY_ZONES and (tld not in _VANITY_TLDS or len(parts) >= 3 and
                                 parts[-2] in ("com", "org", "net", "gov", "edu", "gob")):
        return COUNTRY_ZONES[tld], True
    parsed = [re.split(r"[-_]", locale.strip().lower()) for locale in locales]
    for bits in parsed:
        if len(bits) >= 2 and bits[1] in COUNTRY_ZONES:
            return COUNTRY_ZONES[bits[1]], False
    for bits in parsed:
        if bits[0] in LANGUAGE_ZONES:
            return LANGUAGE_ZONES[bits[0]], False
    return None, False


def zone_day(when: tuple[datetime, int | None], zone: tuple[str | None, bool],
             shows_day: Any) -> tuple[datetime, int | None]:
    """A UTC publication time (offset 0, with a time of day) in the page's zone, when its day
    there differs from the UTC day and the page writes that local day (``shows_day``): a
    CMS that stores UTC ("00:25Z" of a page in Buenos Aires is 21:25 of the day before).
    With only a weak clue to the zone (a locale, a language; see :func:`page_zone`), the
    page must not write the UTC day too (a page that writes both does not tell)."""
    value, offset = when
    name, strong = zone
    if offset != 0 or (value.hour, value.minute, value.second) == (0, 0, 0):
        return when
    local = zone_offset(name, value)
    if not local:
        return when
    day = (value + timedelta(minutes=local)).date()
    if day != value.date() and shows_day(day) and (strong or not shows_day(value.date())):
        return value, local
    return when


def wall_clock_in_zone(when: tuple[datetime, int | None],
                       zone: tuple[str | None, bool]) -> tuple[tuple[datetime, int | None],
                                                               str | None]:
    """A time of day the page wrote without a zone ("14.01.2022 um 09:25", taken as UTC),
    read in the zone of the page's country-code domain (a strong clue, see
    :func:`page_zone`): ((UTC instant, offset), zone name), else (``when``, None). The wall
    clock and its day are kept; a day without a time (00:00) is left as it is."""
    value, offset = when
    name, strong = zone
    if offset is not None or not strong or \
            (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return when, None
    local = zone_offset(name, value)
    if local is None:
        return when, None
    # the offset at the instant itself, not at the wall clock read as UTC (a DST change)
    at_instant = zone_offset(name, value - timedelta(minutes=local))
    local = local if at_instant is None else at_instant
    return (value - timedelta(minutes=local), local), name


def _shows_utc_time(text: str, instant: datetime) -> bool:
    """Whether ``text`` writes the UTC day of ``instant`` with its UTC time of day right
    after it ("6 may 2022 - 2:00 a.m." for 02:00Z): the page shows its times in UTC."""
    utc = instant.astimezone(UTC)
    hours = {utc.hour, utc.hour % 12 or 12}
    clock = re.compile(r"(?<!\d)0?(?:" + "|".join(str(h) for h in hours) +
                       rf")[:.h]{utc.minute:02d}(?!\d)")
    return any(clock.search(text, at, at + 60) for at in day_positions(text, utc.date()))


def _local_day(when: tuple[datetime, int | None]) -> Any:
    value, offset = when
    return (value + timedelta(minutes=offset or 0)).date()


# --------------------------------------------------------------------------- title
_SEP_CHARS = "|\\-–—:·»«›‹/"          # between a title's parts (inside [...])
_TITLE_SEPS = re.compile(rf"\s+[{_SEP_CHARS}]{{1,2}}\s+|\s*\|\s*")
_SEPS_AT_END = re.compile(rf"[\s{_SEP_CHARS}]+$")
_SEPS_AT_START = re.compile(rf"^[\s{_SEP_CHARS}]+")


def _site_keys(site_names: list[str], url: str) -> set[str]:
    keys = {_squash(s) for s in site_names if s}
    host = domain_of(url)
    if host:
        keys.add(_squash(host))
        parts = host.split(".")
        if len(parts) >= 2:
            keys.add(_squash(parts[-2]))
            keys.add(_squash(".".join(parts[-2:])))
    keys.discard("")
    return keys


_RIGHTS_WORDS = re.compile(
    r"©|\(c\)|\bcopyright\b|\b(?:19|20)\d\d\b|\bby\b|\ball rights reserved\b|"
    r"\balle rechte vorbehalten\b|\btous droits réservés\b|\btodos los derechos reservados\b",
    re.IGNORECASE)


def _holder_keys(holders: list[str]) -> set[str]:
    """Keys of the page's copyright holders (``<meta name=copyright>``, JSON-LD
    ``copyrightHolder``): an "author" that is the copyright holder is the site's owner."""
    keys: set[str] = set()
    for holder in holders:
        for part in _TITLE_SEPS.split(_RIGHTS_WORDS.sub(" ", holder)):
            key = _squash(part)
            if len(key) >= 5:
                keys.add(key)
    return keys


def _is_site(text: str, keys: set[str]) -> bool:
    key = _squash(text)
    if not key:
        return False
    return any(key == k or (len(k) >= 4 and (key.startswith(k) or k in key and len(key) < 40))
               for k in keys)


def _leads_with_site(text: str, keys: set[str]) -> bool:
    """Whether ``text`` is the site's name or starts with it ("Daily Planet Online"; not "Why
    the Daily Planet matters", which :func:`_is_site` also matches)."""
    key = _squash(text)
    return bool(key) and any(key == k or (len(k) >= 4 and key.startswith(k)) for k in keys)


# a user name: one word of letters, digits, "_" or "." ("Limespacer", "jdoe_42")
_HANDLE_WORD = re.compile(r"[\w.]+")


def _author_is_site(text: str, keys: set[str]) -> bool:
    """:func:`_is_site` for an author's name; a user name of one word is the site's name only
    when it is that name exactly ("limespace"), not a word that goes on after it
    ("Limespacer" on limespace.de, "Krimiblogger" on krimiblog.de: the blogger's handle)."""
    if USER_NAME_NOT_SITE_PREFIX and _HANDLE_WORD.fullmatch(text.strip()):
        return _squash(text) in keys
    return _is_site(text, keys)


def _not_site(title: str, keys: set[str]) -> str:
    """``title``, or "" when it is the site's name alone."""
    return "" if _squash(title) in keys else title


def _names_site(text: str, keys: set[str]) -> bool:
    """Whether ``text`` as a whole is the site's name ("Hummeln", "Hummeln.de Magazin"), not a
    headline that has the name among its words ("Tote Hummeln unter Linden")."""
    key = _squash(text)
    return bool(key) and any(key == k or (len(k) >= 4 and k in key and len(key) <= len(k) + 8)
                             for k in keys)


_MONTH_WORDS = re.compile(r"\b(?:" + "|".join(sorted(MONTH_NAMES, key=len, reverse=True)) +
                          r"|uhr|um|at|am|pm)\b\.?", re.IGNORECASE)


def _is_date_part(text: str) -> bool:
    """Whether a title part is only a date or time ("31.10.2023, 10.19 Uhr", "23.01.2022")."""
    if not re.search(r"\d", text) or parse_date(text) is None:
        return False
    return not re.sub(r"[\W\d_]+", "", _MONTH_WORDS.sub("", text))


# a Chinese or Japanese site's name after an unspaced separator is cut from titles
CJK_SITE_SUFFIX = True
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
_CJK_SITE_SUFFIX = re.compile(rf"(?<=[{_CJK}\u3000-\u303f\uff01-\uff1f])[-_|｜][{_CJK}]{{2,6}}$")


def clean_title(title: str, site_keys: set[str]) -> str:
    """Cut a site-name part (" | Site", "Site - ") or a date part (" : 31.10.2023, 10.19
    Uhr") off a title; decode HTML entities."""
    title = _one_line(html_lib.unescape(title))
    if CJK_SITE_SUFFIX:
        # a Chinese or Japanese site's name, in characters the Latin domain cannot match,
        # after an unspaced separator ("标题-新华网", "标题_新浪网")
        title = _CJK_SITE_SUFFIX.sub("", title)
    parts = _TITLE_SEPS.split(title)
    if len(parts) < 2:
        return title
    # the site's name in the middle, a section or a word after it ("Headline – Site – News")
    middle = next((i for i in range(1, len(parts) - 1) if _leads_with_site(parts[i], site_keys) and
                   all(len(p.split()) <= 3 for p in parts[i + 1:])), None)
    if middle is not None:
        title = _SEPS_AT_END.sub("", title[:title.rfind(parts[middle])])
        parts = parts[:middle]
    while len(parts) > 1 and (_is_site(parts[-1], site_keys) or _is_date_part(parts[-1])):
        cut = title.rfind(parts[-1])
        title = _SEPS_AT_END.sub("", title[:cut])
        parts = parts[:-1]
    while len(parts) > 1 and (_leads_with_site(parts[0], site_keys) or _is_date_part(parts[0]) or
                              _BLOG_ARCHIVE.fullmatch(parts[0])):
        start = title.find(parts[0]) + len(parts[0])
        rest = _SEPS_AT_START.sub("", title[start:])
        if not rest:
            break
        title = rest
        parts = parts[1:]
    return title.strip()


# WordPress's crumb between the site's name and the post's title
_BLOG_ARCHIVE = re.compile(r"blog[ -]?archiv(?:e)?", re.IGNORECASE)


def _words(text: str) -> str:
    """Lower-case words only: for comparing titles written with other quotes/dashes."""
    return " ".join(re.findall(r"\w+", html_lib.unescape(text).replace("\xad", "").casefold()))


# Quotes that end a value early when a page writes them unescaped inside an attribute
_TRUNCATING = "\"'„“”«»‘’"


def untruncated(title: str, src: str | None, raw: str,
                site_keys: set[str]) -> tuple[str, str | None]:
    """The ``<title>`` instead of ``title`` when ``title`` is its beginning cut short: it
    ends in an ellipsis, the ``<title>`` goes on mid-word or with a quote (an unescaped
    quote ended the attribute: ``content="Biden de "incapacitado""``), or ``title`` has the
    100 or more characters at which some CMS cut their headline. A ``<title>`` that goes on
    after a separator (" | Site", " - Section", "_Site") only adds to the title."""
    own = clean_title(raw, site_keys)
    cut = title.rstrip(".… ")
    rest = own[len(cut):]
    if len(own) <= len(title) or not own.startswith(cut) or not rest.strip():
        return title, src
    if re.match(r"\s*[|\-–—:·»/(_]", rest):
        return title, src
    if cut != title or rest[0].isalnum() or rest.lstrip()[0] in _TRUNCATING or (
            len(title) >= 100):
        return own, "html:title"
    return title, src


# A headline <h1> sharing this share of its words with a title the page declares is the same
# headline, worded for the page rather than for search engines and social cards.
_H1_WORD_SHARE = 0.6


def drop_kicker(h1: str, kicker: str) -> str:
    """The ``<h1>`` without the kicker its markup prints in front of it (``<h1><span
    class="kicker">Topic</span> Headline</h1>``): readers, and the declared titles that
    have the headline alone, take the headline without it; a declared title that has the
    kicker too has the headline as well."""
    if not kicker or not h1.startswith(kicker):
        return h1
    return h1[len(kicker):].lstrip(" :|–—-·") or h1


# A heading among several that a declared title confirms covers more than this share of the
# declared title's words (not a section name such as "News" that the title also has).
_HEADING_SHARE = 0.5


def confirmed_heading(headings: list[str], declared: list[str]) -> str:
    """The one heading of ``headings`` (the page's several ``<h1>``, or its ``<h2>``) whose
    words a declared title contains (else: 60% of whose words it has) and that covers more
    than half of that title's words:
    the headline among a page's other headings (a login box, a section name, the author's
    name); "" when none or more than one is."""
    titles = [w for w in (_words(d) for d in declared[:3]) if w]
    found = []
    for heading in headings:
        key = _words(heading)
        if key and any(key in t and len(key.split()) > _HEADING_SHARE * len(t.split())
                       for t in titles):
            found.append(heading)
    if not found:
        # a heading reworded for search results: 60% of its words in a declared title
        # (as for a lone <h1>, see prefer_headline), covering more than half of that title
        for heading in headings:
            words = set(_words(heading).split())
            if words and any(
                    len(words & set(t.split())) >= _H1_WORD_SHARE * len(words) and
                    len(words & set(t.split())) > _HEADING_SHARE * len(t.split())
                    for t in titles):
                found.append(heading)
    return found[0] if len(found) == 1 else ""


def prefer_headline(title: str | None, h1: str, declared: list[str],
                    site_keys: set[str]) -> tuple[str | None, bool]:
    """The visible ``<h1>`` headline instead of ``title`` when the page's titles confirm it.

    Declared titles (JSON-LD headline, og:title, <title>, ...) are often written for search
    results and social cards: with a kicker ("Topic: Headline"), a site name, or other words.
    The ``<h1>`` is what readers see. It is kept when it is not the site's name and

    - its words are contained in a declared title (the declared one adds a kicker or a site
      name), or
    - at least 60% of its words appear in one declared title (a reworded SEO title),

    except when the ``<h1>`` is a declared title with a kicker glued in front ("Kicker
    Headline" without a separator): then that declared title is the headline (``title``,
    or a later declared title that the ``<h1>`` shows when ``title`` is another text).
    Returns (title, whether the h1 was taken).
    """
    h1 = _one_line(h1)
    key = _words(h1)
    if not key or len(h1) > 300 or _names_site(h1, site_keys):
        return title, False
    if title and h1.replace("\xad", "") == title.replace("\xad", ""):
        # the same headline, but for the visible text's hyphenation hints (soft hyphens)
        return title, False
    others = [w for w in (_words(d) for d in declared) if w]
    if any(key in o for o in others):
        return h1, True
    glued = next((d for d in declared if (o := _words(d)) and key.endswith(" " + o)), None)
    if glued is not None:
        # the <h1> shows this declared title (with a kicker in front): it, not a first
        # declared title the <h1> does not show (a section's name as og:title)
        if title and _words(title) != _words(glued):
            own = clean_title(glued, site_keys)
            if own and _words(own) == _words(glued):
                return own, True
        return title, False
    words = set(key.split())
    share = max((len(words & set(o.split())) / len(words) for o in others), default=0.0)
    if share >= _H1_WORD_SHARE:
        return h1, True
    return title, False


# Sources that may only repeat an <h1>: its own text, newspaper3k's title (often taken from
# it), microdata on the <h1> itself (<h1 itemprop="headline">)
_H1_ECHOES = frozenset({"html", "newspaper3k", "itemprop"})


def crumb_headline(meta: PageMetadata, title_cands: list[Candidate], declared: list[str]) -> str:
    """The headline part of the article's ``<h2>`` when the headline ``<h1>`` is a breadcrumb
    trail's last crumb (the page's name in the site's navigation) that no declared title
    gives, and the ``<h2>`` is printed as a kicker and a headline (``<h2><span class=
    "overline">Topic</span> <span class="headline">Headline</span></h2>``) whose headline,
    or whole text, a declared title gives; else "". The kicker is left out, as it is from a
    headline ``<h1>`` (see :func:`drop_kicker`); a kicker alone in a declared title does not
    say which part is the headline."""
    if not meta.crumb_h2_headlines or any(
            _words(meta.headline_h1) == _words(c.value) for c in title_cands
            if c.source not in _H1_ECHOES):
        return ""
    titles = [f" {w} " for w in (_words(d) for d in declared) if w]
    for whole, kicker in meta.crumb_h2_headlines:
        rest = whole[len(kicker):].lstrip(" :|–—-·") if whole.startswith(kicker) else ""
        key, whole_key = f" {_words(rest)} ", f" {_words(whole)} "
        if rest and any(key in t or t == whole_key for t in titles):
            return rest
    return ""


# Title sources that name the article's headline as such (JSON-LD article, microdata): a
# lone <h1> that disagrees does not overrule them.
_HEADLINE_SOURCES = frozenset({"jsonld", "itemprop"})


def lone_headline(title: str | None, src: str | None, h1: str, declared: list[str],
                  site_keys: set[str]) -> str:
    """The page's only ``<h1>`` instead of a ``title`` that no article markup names the
    headline (og:title, ``<title>``, Twitter card ...: written for social cards and
    search results, "About Us" over a landing page's "The strategic Think & Do Tank"),
    or "" to keep ``title``.

    Not when the ``<h1>`` is a single word or ends in a colon (a box's label: "Details",
    "Read also:"), is the site's name, or is a declared title with words around it (a
    kicker, a date, a subtitle) or part of one (``prefer_headline`` decides those).
    """
    h1 = _one_line(h1)
    key = _words(h1)
    if not title or src in _HEADLINE_SOURCES or len(key.split()) < 2 or len(h1) > 300 or \
            h1.endswith(":") or _names_site(h1, site_keys):
        return ""
    padded = f" {key} "
    if any(f" {o} " in padded or padded in f" {o} " for o in (_words(d) for d in declared) if o):
        return ""
    return h1


# --------------------------------------------------------------------------- authors
_BY_PREFIX = re.compile(
    r"^(?:(?:text|texte?|written|posted|published|reported|story|words|photos?|fotos?|"
    r"eingestellt|erstellt|gepostet|geschrieben|interview|"
    r"bilder?|und|and|by|von|vom|par|por|di|da|door|av|af|przez|"
    r"autor(?:in|a|e)?(?:[/*_:]in(?:nen)?)?|"
    r"author|auteur|redakteur(?:in)?|editor|escrito|scritto|geschrieben|verfasst|"
    r"écrit|publié|publicado|pubblicato)\b\s*[:.]?\s*)+", re.IGNORECASE)
_POSTS_BY = re.compile(
    r"^.*?\b(?:posts|articles|beiträge|artikel|stories|articles|artículos|articoli|wpisy)\s+"
    r"(?:by|von|de|di|par|por|od)\s+", re.IGNORECASE)
# "Jane Doe All articles", "Show all articles of Jane Doe", "Mehr von Jane Doe": profile-link
# wording around a name
_PROFILE_WORDS = re.compile(
    r"^(?:show|view|see)\s+all\s+(?:articles|posts|stories)(?:\s+(?:of|by))?\s*|"
    r"^(?:alles|mehr|more|plus)\s+(?:von|by|from|de)\s+|"
    r"\s+(?:alle\s+(?:artikel|beiträge)|all\s+(?:articles|posts|stories))$", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URLISH = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_DATEISH = re.compile(
    r"\b\d{1,2}\.?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mär|mai|okt|dez)"
    r"[a-zä]*\b|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|\b\d{4}\b|\b(?:updated|aktualisiert|"
    r"published|veröffentlicht|am|on|le|el|il)\b.*\d", re.IGNORECASE)
# A date after the name ("VON JANE DOE am 21. April 2020", "Jane Doe, 3 May 2020", "Jane Doe
# on April 21, 2020"): cut before the name is checked
_DATE_TAIL = re.compile(
    r"(?:\s+(?:am|on|le|el|il|den|vom|updated|published|veröffentlicht|aktualisiert))?"
    # a weekday before the date ("Fr, 18. Oktober 2019", "Mon, 3 May 2021")
    r"(?:\s+(?:mo|di|mi|do|fr|sa|so|mon|tue|wed|thu|fri|sat|sun|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)\.?)?"
    r"[\s,|·•–—-]+(?:\d{1,2}(?:[./]\s*\d{1,2}[./]\s*\d{2,4}|\.?\s+[^\W\d]{3,}\.?\s+\d{4})|"
    r"[^\W\d]{3,}\.?\s+\d{1,2},?\s+\d{4}).*$", re.IGNORECASE)
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|\||\s+(?:and|und|&|et|y|e|i|en|og|och|and)\s+|\s+&\s+|"
                          r"\s+[·•]\s+|\s*/\s*)\s*", re.IGNORECASE)
# "Anna Beck ist Redakteurin", "Jane Doe is a reporter at ...": the name is what comes before
_NAME_SENTENCE = re.compile(r"\s+(?:is|was|ist|war|works|writes|arbeitet|schreibt)\s.*$",
                            re.IGNORECASE)
_ROLE_WORDS = frozenset(re.findall(r"\S+", """
staff writer writers reporter reporters correspondent correspondents editor editors editorial
columnist contributor contributors contributing journalist journalists senior chief deputy
managing associate assistant executive political politics business sports sport news desk team
newsroom bureau intern freelance freelancer producer analyst photographer photographers
photo photos video editorin redakteur redakteurin redaktion autor autorin autoren author
authors auteur auteurs rédaction redacción redazione redaktion fotograf fotografin gastautor
gastautorin mitarbeiter mitarbeiterin online digital web admin administrator webmaster
moderator special guest guests opinion the our of for and in at de des der die das
reporterin korrespondent korrespondentin chefredakteur chefredakteurin leitender leitende
head lead national international foreign local science health tech technology culture
economics economy investigative data graphics visual visuals multimedia press office
kultur politik wirtschaft lokales panorama feuilleton wissen
published updated posted veröffentlicht aktualisiert zuletzt geändert stand am on
department pressestelle team-leader contributed wire service services report reports agency
agencies email mail
follow view all posts more articles profile bio twitter facebook linkedin instagram
hours hour ago minutes minute read min lesezeit uhr stunden
phd ph.d md m.d mba msc dipl prof dr
"""))
# Professions written in front of a name ("Rechtsanwalt Jane Doe", "Attorney John Roe"): not
# part of it
_JOB_BEFORE_NAME = frozenset(re.findall(r"\S+", """
rechtsanwalt rechtsanwältin fachanwalt fachanwältin anwalt anwältin notar notarin
steuerberater steuerberaterin attorney lawyer avocat avocate abogado abogada avvocato
"""))
# Words naming an organisation, not a person: legal forms and public bodies.
_ORG_WORDS = re.compile(
    r"(?<!\w)(?:gmbh|ag|eg|e\.\s?v\.|se|kg|ohg|ltd|llc|inc|plc|s\.a\.|s\.l\.|sarl|"
    r"bundesministerium|ministerium|ministry|departement|department|bundesamt|landesamt|"
    r"landesanstalt|institut|institute|verband|stiftung|foundation|universität|university|"
    r"hochschule|akademie|verein|gesellschaft|association|agency|agentur|solutions|services|"
    r"systems|consulting|holding|group|gruppe)(?!\w)",
    re.IGNORECASE)
# A desk, not a person: "Redacción EC", "Redaktion Politik"
_DESK_START = re.compile(r"^(?:redaktion|redacción|redaccion|redazione|rédaction|newsroom|"
                         r"newsdesk|news desk|editorial)\b", re.IGNORECASE)
# News agencies named alone
_AGENCIES = frozenset({"dpa", "afp", "ap", "efe", "reuters", "apa", "kna", "epd", "sda",
                       "ansa", "ddp", "ats", "belga", "anp", "ap news", "associated press",
                       "agence france-presse", "europa press", "agencia efe", "xinhua",
                       "kyodo", "tass", "ria novosti", "upi", "pa", "pa media", "dts"})
# Link and label wording around author boxes, never part of a name ("Alle Beiträge",
# "Afficher mon profil complet", "Gesponserte Inhalte", "TOI Staff").
_UI_WORDS = re.compile(
    r"\b(?:profil|profile|beiträge|beitrag|artikel|posts|articles|inhalte|gesponserte?|"
    r"sponsored|edition|edited|staff|collectif)\b", re.IGNORECASE)
_NOT_NAMES = frozenset({
    "staff", "admin", "editor", "editors", "the editors", "redaktion", "die redaktion",
    "newsroom", "news desk", "web desk", "desk", "unknown", "anonymous", "guest", "gast",
    "email the author", "e-mail the author", "view all posts", "more by", "follow",
    "share", "print", "comments", "kommentare", "redazione", "redacción", "rédaction",
    "press release", "pressemitteilung", "null", "none", "n/a", "author", "autor", "red",
})


def _clean_name(raw: str, site_keys: set[str]) -> tuple[str | None, bool]:
    """One name candidate -> (clean name or None, is_site_name)."""
    name = _one_line(raw)
    name = _POSTS_BY.sub("", name)
    name = _PROFILE_WORDS.sub("", name)
    name = _EMAIL.sub(" ", name)
    name = _URLISH.sub(" ", name)
    name = _HANDLE.sub(" ", name)
    name = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    name = _BY_PREFIX.sub("", name.strip(" -–—:|•·,"))
    name = _NAME_SENTENCE.sub("", name)
    # a final initial or "Jr." keeps its dot ("Juan Muñoz C.", "Perry Bacon Jr.")
    initial = re.search(r"(?:^|\s)(?:\w|jr|sr)\.$", name.rstrip(" -–—:|•·,\"'“”„→»›"),
                        re.IGNORECASE)
    name = name.strip(" -–—:|•·,.\"'“”„→»›")
    name = _one_line(name) + ("." if initial and name else "")
    # the name printed twice (shown and again for screen readers): "Jane Doe Jane Doe"
    half = name.split()
    if len(half) % 2 == 0 and half[:len(half) // 2] == half[len(half) // 2:]:
        name = " ".join(half[:len(half) // 2])
    if not name or len(name) < 2 or len(name) > 60:
        return None, False
    if name.casefold() in _NOT_NAMES or _UI_WORDS.search(name):
        return None, False
    if _DATEISH.search(name):
        return None, False
    words = re.findall(r"[\w'’.-]+", name.casefold())
    if not words or all(w.strip(".") in _ROLE_WORDS for w in words):
        return None, False
    if len(words) > 6:
        return None, False
    if not any(ch.isalpha() for ch in name) or any(w.isdigit() for w in words):
        return None, False
    if site_keys and _author_is_site(name, site_keys) and len(words) <= 4:
        return None, True
    # "Rechtsanwalt Jane Doe": a profession written in front of a name
    while JOB_BEFORE_NAME and len(words) > 2 and words[0] in _JOB_BEFORE_NAME:
        name = name.split(" ", 1)[1]
        words = words[1:]
    # "Jane Doe Senior Reporter": cut trailing role words after a two-word name
    while len(words) > 2 and words[-1].strip(".") in _ROLE_WORDS:
        name = name.rsplit(" ", 1)[0]
        words = words[:-1]
    return name, False


# Words of media and organisation names ("Presse Augsburg", "Miami Today"): a site named with
# one of them is not a person's own site.
_MEDIA_WORDS = frozenset(re.findall(r"\S+", """
news today times post daily press presse zeitung magazin magazine blog blogs online media
medien verlag radio tv journal tribune herald kurier anzeiger rundschau nachrichten team
group gruppe club shop store network digital studio service portal report weekly monthly
info channel podcast world welt live community forum wiki center centre zentrum haus house
company partners consulting solutions verlagsgruppe noticias diario periódico revista
kitchen kitchens foundation stiftung the el la le les los las il lo der die das het
deutschland österreich schweiz france españa italia germany austria switzerland america
europe europa international global
"""))
_MEDIA_SUFFIXES = tuple(w for w in _MEDIA_WORDS if len(w) >= 5 and w not in ("house",))
# Sources that name the article's author as such (not <meta name=author>, microdata or
# Dublin Core, which often name the site's owner on every page of a site)
_OWNER_SOURCES = frozenset({"jsonld", "article", "html", "byline", "textline",
                            "author-class", "author-link"})
_TITLE_WORD = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+")


def person_like(name: str) -> bool:
    """Whether ``name`` reads as a person's name: two or three capitalised words, none of
    them a role, media or organisation word ("Daniel Lemire", not "Presse Augsburg")."""
    words = name.split()
    return 2 <= len(words) <= 3 and all(
        _TITLE_WORD.fullmatch(w) and w.casefold() not in _ROLE_WORDS and
        w.casefold() not in _MEDIA_WORDS and not w.casefold().endswith(_MEDIA_SUFFIXES)
        for w in words) and not _ORG_WORDS.search(name)


def _co_authors(authors: list[str], source: str, by_source: dict[str, list[str]],
                keys: set[str], shown: Any) -> tuple[list[str], str]:
    """The chosen authors with the co-authors their source leaves out: one value of another
    source that names them all and more people ("Jane Doe" in JSON-LD, "Jane Doe, John Roe"
    in the byline). The others must read as persons' names and be shown on the page."""
    have = {n.casefold() for n in authors}
    for other, values in by_source.items():
        if other == source:
            continue
        for raw in values:
            folded = raw.casefold()
            if not all(n in folded for n in have):
                continue
            names = clean_authors([raw], keys)[0]
            if len(authors) < len(names) <= _MAX_LOOSE_AUTHORS and \
                    have <= {n.casefold() for n in names} and \
                    all(person_like(n) and shown.contains(n) for n in names
                        if n.casefold() not in have):
                return names, other
    return authors, source


def _media_name(text: str) -> bool:
    """Whether ``text`` names a medium ("Washington Post", "Rhein-Zeitung"): two or more
    words (or a compound), one of them a media word of four letters or more (not "der")."""
    words = re.findall(r"[\w'’-]+", text.casefold())
    if all(w in _ROLE_WORDS for w in words):            # "news service reports": no name
        return False
    return (len(words) >= 2 or "-" in text) and any(len(w) >= 4 and (w in _MEDIA_WORDS or (
        "-" in w and w.rsplit("-", 1)[1] in _MEDIA_WORDS)) for w in words)


def clean_authors(values: list[str], site_keys: set[str] | None = None) -> tuple[
        list[str], list[str]]:
    """Raw author strings -> (person names, organisation names that were the site's own)."""
    keys = site_keys or set()
    names: list[str] = []
    orgs: list[str] = []
    for raw in values:
        raw = _one_line(html_lib.unescape(raw))
        if not raw:
            continue
        # "Name - Job title" / "Name | Site": keep the part before the dash if it is a name
        raw = re.split(r"\s+[-–—|]\s+", raw)[0] if re.search(r"\s[-–—|]\s", raw) else raw
        raw = _BY_PREFIX.sub("", _DATE_TAIL.sub("", raw.strip()))
        # an organisation or the site's own name, before "Wirtschaft und Klimaschutz" or
        # "Kirche und Leben" is split into two "names"
        if _ORG_WORDS.search(raw) or (keys and _author_is_site(raw, keys) and len(raw) <= 60):
            orgs.append(raw)
            continue
        if _DESK_START.match(raw) or raw.casefold() in _AGENCIES:
            continue
        # addresses first: "/" separates names ("Jane Doe/AP"), not parts of a URL
        parts = _SPLIT_NAMES.split(_URLISH.sub(" ", _EMAIL.sub(" ", raw)))
        # a sentence split at its "and" is no list of names ("... w Nowej Zelandii i Polsce")
        if len(parts) > 1 and any(len(part.split()) > 6 for part in parts):
            continue
        for part in parts:
            if part.strip().casefold() in _AGENCIES:
                continue
            if len(parts) > 1 and _media_name(part):
                orgs.append(_one_line(part))
                continue
            name, is_site = _clean_name(part, keys)
            if name:
                names.append(name)
            elif is_site:
                orgs.append(_one_line(part))
    return _dedupe(names), _dedupe(orgs)


_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
# not a signature: links, buttons, navigation, teasers ("Mehr Homestorys", "Invest Now")
_NOT_SIGNATURE_TAGS = frozenset({"a", "button", "nav", "footer", "aside", "header", "li",
                                 "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "label"})


def _signature(doc: Any, name: str) -> bool:
    """Whether ``name`` stands alone in a paragraph of the page (``<p>Jane Doe</p>``, also
    bold or italic), not in a link, a button, a heading, a list or navigation."""
    if doc is None:
        return False
    for p in doc.iter("p"):
        if " ".join(p.text_content().split()) != name:
            continue
        inner = [el for el in p.iterdescendants() if isinstance(el.tag, str)]
        if all(el.tag in ("b", "strong", "i", "em", "span") for el in inner) and not any(
                a.tag in _NOT_SIGNATURE_TAGS for a in p.iterancestors()):
            return True
    return False


# Parts of a page whose dates are not its own: comment sections, reader reviews, a cookie
# banner ("Die Cookie-Erklärung wurde zuletzt am 02.12.2022 aktualisiert"), boxes of related
# or recent posts (and every <aside>: a sidebar's teasers).
_FOREIGN_PART = re.compile(r"comment|review|rating|cookie|consent|related|recent",
                           re.IGNORECASE)
# The day a cited source was looked at, not a publication's ("Zugriff am", "abgerufen am",
# "accessed on", "retrieved", "consulté le", "consultado el")
_ACCESSED = re.compile(r"(?:zugriff|abgerufen|aufgerufen|accessed|retrieved|consulté|"
                       r"consultado|dostęp)\W*(?:\w{1,3}\W+)?$")


# The end of a range ("vom 27.07. bis zum 20.08.2020", "14. - 20. Januar 2022"): an event's
# or a campaign's last day
_RANGE_TO = re.compile(r"\d\.?\s*(?:[-\u2013\u2014]|bis(?:\s+(?:zum|zur))?|to|until|till|"
                       r"au|al)\s*$", re.IGNORECASE)


class _VisibleText:
    """The page's visible text (no scripts, styles or <head>), built on first use."""

    def __init__(self, doc: Any) -> None:
        self._doc = doc

    @cached_property
    def _texts(self) -> tuple[str, str]:
        """(the visible text; the same without elements hidden by their inline style or the
        ``hidden`` attribute, or the visible text itself when the page hides none), both
        casefolded, whitespace collapsed; one walk over the tree."""
        parts: list[str] = []
        shown: list[str] = []
        left_out = False
        if self._doc is not None:
            root = self._doc.getroottree().getroot()
            skip: set[Any] = set()       # scripts, styles, <head> ... and what they hold
            off: set[Any] = set()        # those and what an inline style hides
            styled = HIDDEN_NOT_SHOWN
            for el in root.iter():
                parent = el.getparent()
                if parent in skip or not isinstance(el.tag, str) or el.tag in _HIDDEN_TAGS:
                    skip.add(el)
                    off.add(el)
                elif parent in off or (styled and hidden_by_style(el)):
                    off.add(el)
                    left_out = left_out or parent not in off
                    if el.text:
                        parts.append(el.text)
                elif el.text:
                    parts.append(el.text)
                    shown.append(el.text)
                if el.tail:
                    parts.append(el.tail)
                    # (the text after an element inside a hidden one is hidden too)
                    if parent not in off:
                        shown.append(el.tail)
        text = " ".join(" ".join(parts).casefold().split())
        return text, (" ".join(" ".join(shown).casefold().split()) if left_out else text)

    @property
    def text(self) -> str:
        """The visible text, casefolded, whitespace collapsed."""
        return self._texts[0]

    @property
    def names_text(self) -> str:
        """The visible text without elements hidden by an inline style (``display: none``,
        ``visibility: hidden``) or the ``hidden`` attribute: a name only there (a theme's
        hidden author box naming the CMS account) is not shown."""
        return self._texts[1]

    @cached_property
    def _days(self) -> set[date]:
        return days_in_text(self.text)

    def shows_day(self, day: Any) -> bool:
        """Whether the page's visible text writes the calendar day ``day`` (any format)."""
        return day in self._days

    @cached_property
    def _own_text(self) -> str:
        """The visible text without comment sections, reader reviews, cookie banners,
        related or recent posts (an element whose class or id says "comment", "review",
        "rating", "cookie", "consent", "related" or "recent", and all it holds) and
        ``<aside>`` elements, casefolded. A walk of its own, not part of ``_texts``: it is
        needed on few pages (35 of 248 web-eval pages), and in that walk it would cost every
        page about 1.3 ms."""
        parts: list[str] = []
        if self._doc is not None:
            skip: set[Any] = set()
            for el in self._doc.getroottree().getroot().iter():
                parent = el.getparent()
                if parent in skip or not isinstance(el.tag, str) or \
                        el.tag in _HIDDEN_TAGS or el.tag == "aside" or (
                            el.tag not in ("html", "body") and _FOREIGN_PART.search(
                            f"{el.get('class') or ''} {el.get('id') or ''}")):
                    skip.add(el)
                elif el.text:
                    parts.append(el.text)
                if el.tail and parent not in skip:
                    parts.append(el.tail)
        return " ".join(" ".join(parts).casefold().split())

    def shows_own_day(self, day: Any) -> bool:
        """Whether the page writes the day ``day`` other than as a comment's, a review's or
        a teaser's day, as the day a cited source was accessed ("Zugriff am 20.05.2018")
        or as the end of a range ("vom 27.07. bis zum 20.08.2020")."""
        if not self.shows_day(day):
            return False
        text = self._own_text
        return any(not _ACCESSED.search(text, max(0, at - 30), at) and
                   not _RANGE_TO.search(text, max(0, at - 30), at)
                   for at in day_positions(text, day))

    def contains(self, name: str) -> bool:
        """Whether ``name`` is shown on the page (case- and whitespace-insensitive)."""
        key = " ".join(name.casefold().split())
        if not WHOLE_WORDS_SHOWN:
            return key in self.names_text
        # as whole words: not inside a longer word ("AgE" in "eintragen") or a domain name
        # ("Manniac" of a link "manniac.de")
        return re.search(rf"(?<![^\W_]){re.escape(key)}(?![^\W_]|\.[^\W\d_]{{2,}}\b)",
                         self.names_text) is not None


# How far after the headline's start a date line is looked for (characters of visible text),
# how long a text may be to be a date line of its own ("14.01.2022 um 09:25", "1. Februar
# 2022, Jane Doe"), and how far into a longer text a dateline may start ("Bern, 17.08.2007 -
# Text of the article ...").
_DATELINE_REACH = 1000
_DATELINE_SHORT = 80
_DATELINE_LEAD = 25
# a line that gives the date of a change, not of the publication
_UPDATED_SAID = re.compile(
    r"\b(?:updated?|modified|changed|edited|revised|aktualisiert|geändert|änderung|"
    r"bearbeitet|mis à jour|modifié|actualizado|actualización|aggiornato|modificato|"
    r"zaktualizowano|bijgewerkt)\b", re.IGNORECASE)
_INLINE_TAGS = frozenset({"a", "abbr", "b", "em", "font", "i", "nobr", "small", "span",
                          "strong", "sub", "sup", "time", "u"})


# A label before a date ("Release: 14.11.2019", "Deadline: 15. März 2020"): the date of
# something else than the publication, unless the label is one of these
_LABEL_BEFORE = re.compile(r"([^\W\d_]+)\s*:\s*$")
# (the stems of "Date", "Datum", "Published", "Veröffentlichungsdatum", "Erstellt", "Stand",
# "Publié", "Fecha", "Opublikowano" ...)
_DATE_LABEL = re.compile(r"dat|publ|pubbl|veröff|ersch|erstell|eingestellt|post|writ|"
                         r"creat|stand|geschr|fecha|when|time|zeit|^(?:am|on|le|el|il|dnia|op|"
                         r"von|vom|by|par|por)$")


def _title_h1(meta: PageMetadata, title: str | None) -> Any:
    """The headline <h1> the date line is looked for after: the one that shows the chosen
    title when another <h1> is taken for the headline (a second <h1> inside <main> heads
    a box: "Radiobeitrag zum Thema") or when none is (several <h1>, none in <main>)."""
    if title and (meta.headline_element is None or
                  _words(meta.headline_h1) != _words(title)):
        key = _words(title)
        for h in meta.h1_elements:
            if _words(" ".join(h.text_content().split())) == key:
                return h
    return meta.headline_element


def _other_label(before: str) -> bool:
    """Whether ``before`` (the text before a date) ends in a label that is not a
    publication's ("Release:", "Deadline:", "Anmeldeschluss:")."""
    m = _LABEL_BEFORE.search(before)
    return m is not None and not _DATE_LABEL.search(m[1].casefold())


def dateline(headline: Any, *, us_order: bool = False) -> tuple[datetime, int | None] | None:
    """The date line of the article: the first date written in the visible text from the
    headline ``<h1>`` on, within its first characters, in a text of its own or at the start of
    a longer one (not a date in a sentence of the article, an event's or a quote's, nor one
    after another label: "Release: 14.11.2019"); (value, offset) as
    :func:`worker.dates.parse_date_local`, or None."""
    if headline is None:
        return None
    seen = 0
    skip: set[Any] = set()
    started = False
    for el in headline.getroottree().getroot().iter():
        started = started or el is headline
        hidden = el.getparent() in skip or not isinstance(el.tag, str) or el.tag in _HIDDEN_TAGS
        if hidden:
            skip.add(el)
        if not started:
            continue
        for text, owner in (((None if hidden else el.text), el),
                            ((el.tail if el.getparent() not in skip else None), el.getparent())):
            text = " ".join((text or "").split())
            if not text:
                continue
            if first_date(text, us_order=us_order) is not None:
                # judged on the text of its block ("am <b>5. Februar 2020</b> ab 19 Uhr" is
                # a sentence's date, not a date line)
                block = owner
                while block.tag in _INLINE_TAGS and block.getparent() is not None:
                    block = block.getparent()
                whole = " ".join(block.text_content().split())
                found = first_date(whole, us_order=us_order)
                if found is not None and seen < _DATELINE_REACH and (
                        len(whole) <= _DATELINE_SHORT or found[0] <= _DATELINE_LEAD) and \
                        not _UPDATED_SAID.search(whole[:found[0]]) and \
                        not _other_label(whole[:found[0]]):
                    return found[1], found[2]
            seen += len(text) + 1
            if seen >= _DATELINE_REACH:
                return None
    return None


# A publication date said as such in the page's text ("Erschienen am: 01.11.2023", "Published
# on 3 March 2024", "Publié le 3 mars 2024"); not "updated"/"aktualisiert" dates
_PUBLISHED_SAID = re.compile(
    r"\b(?:published|posted|written|veröffentlicht|erschienen|publiziert|gepostet|publié|"
    r"publicado|publicada|pubblicato|opublikowano|gepubliceerd|datum|date)"
    r"(?:\s+(?:am|on|le|el|il|den|op))?\s*:?\s*(?=\d|[a-zäéû]{3,10}\.?\s+\d)")


# ... also in a sentence of a blog's post footer: "This entry was posted on Monday, May 19th,
# 2010" (a weekday between), "Dieser Artikel wurde am 19. Mai 2010 um 23:03 Uhr gepostet"
# (the verb after the date)
_POSTED_ON = re.compile(r"\b(?:was|wurde)\s+(?:posted|published|veröffentlicht|gepostet)\s+"
                        r"(?:on|am)\s+")
_WAS_ON = re.compile(r"\b(?:was|wurde)\s+(?:on|am)\s+(?=\S+\s)")
_POSTED_AFTER = re.compile(r"\s*(?:\w+\s+)?(?:gepostet|veröffentlicht|publiziert|posted|"
                           r"published)\b")


def _only_as_update(text: str, day: date) -> bool:
    """Whether ``text`` writes ``day``, and each time as the day of a change ("Zuletzt
    geändert am: 15.10.2021", "Updated March 3, 2024")."""
    where = day_positions(text, day)
    return bool(where) and all(_UPDATED_SAID.search(text[max(0, at - 30):at]) for at in where)


def said_published(text: str, *, us_order: bool = False) -> tuple[datetime, int | None] | None:
    """The first date that the page's (visible, casefolded) ``text`` says is the publication
    date: right after "published", "veröffentlicht am", "erschienen am", "Datum:" and the
    like, or in a post's footer sentence ("was posted on Monday, May 19th, 2010", "wurde am
    19. Mai 2010 um 23:03 Uhr gepostet"); (value, offset) as
    :func:`worker.dates.parse_date_local`, or None."""
    found_at: list[tuple[int, tuple[datetime, int | None]]] = []
    for m in _PUBLISHED_SAID.finditer(text):
        found = first_date(text[m.end():m.end() + 60], us_order=us_order)
        if found is not None and found[0] <= 12:
            found_at.append((m.start(), (found[1], found[2])))
            break
    for rx, after in ((_POSTED_ON, False), (_WAS_ON, True)):
        for m in rx.finditer(text):
            chunk = text[m.end():m.end() + 80]
            found = first_date(chunk, us_order=us_order)
            if found is None or found[0] > 25:
                continue
            if after:
                # the date's own extent: up to the end of its time, if any
                rest = _POSTED_DATE.sub("", chunk[found[0]:], count=1)
                if not _POSTED_AFTER.match(rest):
                    continue
            found_at.append((m.start(), (found[1], found[2])))
            break
    return min(found_at, key=lambda f: f[0])[1] if found_at else None


# a date and its time as a blog writes them ("19. mai 2010 um 23:03 uhr", "may 19th, 2010
# at 11:03 pm")
_POSTED_DATE = re.compile(r"^[^,;]*?\d{4}(?:,?\s*(?:um|at)\s+\d{1,2}[:.]\d{2}"
                        r"(?:\s*(?:uhr|[ap]\.?m\.?))?)?")


# A publication date in a script's data (not JSON-LD, which is read as metadata): a shop's,
# a review platform's or a JavaScript app's state ("published_at": "2019-03-02T06:22:28+01:00")
_SCRIPT_PUBLISHED = re.compile(
    r"""["']?\b(?:datePublished|publishedDate|publishDate|published_at|publishedAt|pubDate|"""
    r"""publicationDate|publish_date)\b["']?\s*[:=]\s*["']([^"'\\]{8,40})["']""")


def script_published(doc: Any) -> list[str]:
    """The values of publication-date keys in the page's inline scripts other than JSON-LD,
    in document order."""
    if doc is None:
        return []
    values: list[str] = []
    for script in doc.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() and script.text:
            values.extend(m[1] for m in _SCRIPT_PUBLISHED.finditer(script.text))
    return values


# --------------------------------------------------------------------------- language
@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of ``text`` by py3langid; (None, 0) for no text."""
    sample = (text or "")[:3000]
    if len(sample.strip()) < 20:
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)


def _iso639_1(value: str) -> str | None:
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if _LANG.match(code) else None


# --------------------------------------------------------------------------- body
_JUNK_LINE = re.compile(
    r"^(?:"
    # photo credits
    r"(?:photo|foto|bild|image|picture|credit|quelle|source|fotó|zdjęcie|crédito|"
    r"titelbild|beitragsbild)s?\s*(?:credit)?\s*[:©]|©|\(c\)\s|copyright\b|"
    r"(?:getty images|afp|dpa|reuters|ap photo|imago|shutterstock|istock)\b[^.!?]{0,30}$|"
    # share / follow / subscribe prompts
    r"share (?:this|on|via)|teilen\b|diesen artikel teilen|jetzt teilen|compartir\b|"
    r"partager\b|click here to|klicken sie hier|sign up\b|subscribe\b|abonnieren|"
    r"zum newsletter|newsletter\b|follow us\b|folgen sie uns|folge uns|"
    r"advertisement$|anzeige$|werbung$|publicidad$|"
    # related-article teasers
    r"(?:read|see) (?:more|also)\b|lesen sie (?:auch|mehr)|auch interessant|mehr zum thema|"
    r"weiterlesen\b|zum weiterlesen|related(?: articles?| posts?| stories)?\s*:|"
    r"empfohlene beiträge|das könnte sie auch interessieren|lea (?:más|también)\s*:|"
    r"mira\s*:|lee también|leia (?:mais|também)|lire aussi|à lire aussi|leggi anche|"
    r"czytaj (?:też|także|więcej)|"
    # comment-section and meta lines
    r"(?:keine |no |\d+ )?(?:kommentare?|comments?|comentarios?|commentaires?)\s*$|"
    r"kommentieren$|leave a (?:comment|reply)|schreibe einen kommentar|"
    r"(?:tags|schlagwörter|schlagworte|kategorien?|categories|category|filed under|"
    r"posted in|veröffentlicht in|temas|etiquetas)\s*:|temas$"
    r")", re.IGNORECASE)


# The heading of a list of other articles ("Related posts", "Das könnte Sie auch
# interessieren", "Notas relacionadas", ...), in the languages of web-eval's pages.
_MORE_ARTICLES = (
    r"weitere (?:themen|artikel|beiträge|nachrichten|meldungen|tipps|news|geschichten)|"
    r"mehr (?:zum thema|themen|dazu|artikel|news|nachrichten|aus)|"
    r"(?:das|dies|diese artikel|diese themen) könnten? (?:dich|sie|euch) (?:auch|ebenfalls) "
    r"interessieren|könnte (?:dich|sie|euch) auch interessieren|"
    r"auch (?:lesen|interessant)|schon gelesen|lust auf mehr|siehe auch|top-themen|"
    r"entdecke (?:weitere|mehr)|ähnliche (?:artikel|beiträge|themen)|"
    r"verwandte (?:artikel|beiträge|themen)|passend (?:dazu|zum thema)|"
    r"related(?: (?:articles?|posts?|stories|content|coverage|news|reading))?|"
    r"more (?:from|on|stories|news|articles|to read)|"
    r"you (?:may|might) (?:also )?(?:like|enjoy)|"
    r"recommended(?: (?:for you|articles|stories|reading))?|read next|further reading|"
    r"see also|most (?:popular|read)|trending(?: now| stories)?|"
    r"notas relacionadas|contenido relacionado|noticias relacionadas|"
    r"más (?:información|noticias|sobre)|(?:también )?(?:te|le) puede interesar|lee también|"
    r"à lire aussi|lire aussi|sur le même sujet|articles similaires|"
    r"leia também|veja também|mais lidas|notícias relacionadas|"
    r"czytaj (?:też|także|więcej)|zobacz (?:też|także|również)|"
    r"leggi anche|articoli correlati|lue (?:aiheesta )?(?:lisää|myös)")
# ... alone on its line: the list of teasers follows, up to the end of the body
_MORE_ARTICLES_HEADING = re.compile(
    r"^(?:" + _MORE_ARTICLES + r")\b[^.!:]{0,40}[:?]?$", re.IGNORECASE)
# ... with one teaser's title after it, anywhere in the body: "Lesen Sie auch: <title>"
_MORE_ARTICLES_LINE = re.compile(
    r"^(?:" + _MORE_ARTICLES + r")\s*:\s*\S.{0,150}$", re.IGNORECASE)
# A heading of other articles ends the body only in its last part: the first 60% of the
# text is the article (a "See also" near the top is a box inside it). Measured on web-eval
# (snippets of bench/extraction.py, body F1 0.9225 before): from 50% of the text 0.9261,
# 60% 0.9266 (leaked snippets 266 -> 238; 1 of 2,951 found snippets lost: a software
# README's "See also" section), 70% 0.9257; the heading allowed to carry text after it
# (cutting at inline teasers too) 0.9263.
TEASER_TAIL_FROM = 0.6


def clean_body(text: str) -> str:
    """Paragraphs with whitespace collapsed; short credit/share/teaser lines removed; a
    heading of other articles in the body's last part ends it (:data:`TEASER_TAIL_FROM`)."""
    paras = clean_text(text).split("\n\n")
    junk = [len(p) < 100 and bool(_JUNK_LINE.match(p)) or
            len(p) < 200 and bool(_MORE_ARTICLES_LINE.match(p)) for p in paras]
    total = sum(len(p) for p, bad in zip(paras, junk, strict=True) if not bad)
    out: list[str] = []
    seen = 0
    for para, bad in zip(paras, junk, strict=True):
        if seen >= TEASER_TAIL_FROM * total and _MORE_ARTICLES_HEADING.match(para):
            break
        if not bad:
            out.append(para)
            seen += len(para)
    return "\n\n".join(out)


def drop_leading_title(text: str, title: str | None) -> str:
    """Remove a first paragraph that only repeats the headline (extractors keep the <h1>)."""
    if not text or not title:
        return text
    first, _, rest = text.partition("\n\n")
    if " ".join(first.casefold().split()) == " ".join(title.casefold().split()):
        return rest
    return text


def choose_body(newspaper_text: str, second_text: str) -> tuple[str, str]:
    """Pick the body: returns (text, "newspaper3k" | "trafilatura").

    Rule, measured on web-eval (990 pages, snippet F1 as in bench/extraction.py):
    trafilatura's body is kept unless it is empty or shorter than 30% of newspaper3k's, in
    which case trafilatura missed the article and newspaper3k's body is kept.

    Measured alternatives (F1 on web-eval; newspaper3k alone 0.829, trafilatura on the same
    tree 0.919): "newspaper3k unless it covers < 80% of trafilatura's length" 0.907; the same
    at 120% 0.916; trafilatura's paragraphs trimmed at the edges to those newspaper3k also has
    0.897-0.911; the union of both paragraph lists 0.915; this rule 0.919 (0.923 after
    :func:`clean_body`). newspaper3k misses whole parts of articles (recall 0.77) far more
    often than trafilatura lets boilerplate in, so trafilatura's body is the better default.
    """
    n_len, t_len = len(newspaper_text.strip()), len(second_text.strip())
    if not t_len or t_len < 0.3 * n_len:
        return newspaper_text, "newspaper3k"
    return second_text, "trafilatura"


# Fast-first: trafilatura without its fallback extractors is run on every page; its full mode
# (readability/jusText comparison, 2-3x slower) only where the fast text looks short: under
# 1500 characters or under half of newspaper3k's. Measured on web-eval: 21% of pages take the
# full run; body F1 0.922 against 0.923 with the full run everywhere and 0.919 with fast only.
_FULL_RUN_BELOW_CHARS = 1500
_FULL_RUN_BELOW_SHARE = 0.5


def second_opinion(doc: Any, url: str, newspaper_text: str) -> str:
    """trafilatura's body of ``doc``: fast mode, then full mode where fast looks short."""
    text = trafilatura_text(doc, url, fast=True)
    n = len(text.strip())
    if n < _FULL_RUN_BELOW_CHARS or n < _FULL_RUN_BELOW_SHARE * len(newspaper_text.strip()):
        full = trafilatura_text(doc, url, fast=False)
        if full.strip():
            text = full
    return text


# --------------------------------------------------------------------------- record
def _first_valid(cands: list[Candidate], fn: Any) -> tuple[Any, str | None]:
    for cand in cands:
        value = fn(cand.value)
        if value:
            return value, cand.source
    return None, None


def _us_order(lang_claim: str, meta: PageMetadata) -> bool:
    locale = lang_claim.lower().replace("_", "-")
    if locale in ("en-us", "en"):
        return True
    og_locale = next((c.value for c in meta.get("language") if c.source == "og"), "")
    return og_locale.lower().replace("_", "-") == "en-us"


def _date_languages(claim: str | None, page: ParsedPage) -> list[str]:
    """The page's languages for htmldate's date parser: claimed, and detected on the start
    of newspaper3k's text (pages claim a wrong language often enough)."""
    detected, _ = detect_language((page.text or page.title or "")[:_DATE_LANGUAGE_SAMPLE])
    return [lang for lang in dict.fromkeys([claim, detected]) if lang and _LANG.match(lang)]


_DATE_LANGUAGE_SAMPLE = 1000
# Recipe and FAQ pages (JSON-LD or microdata type) are reference pages kept up to date, not
# publications: a date their text does not write is dropped.
EVERGREEN_UNSHOWN = True
_EVERGREEN_TYPES = frozenset({"recipe", "faqpage"})


def _evergreen(meta: PageMetadata, doc: Any) -> bool:
    """Whether the page declares itself a recipe or an FAQ page (JSON-LD ``@type`` or a
    microdata ``itemtype``)."""
    if _EVERGREEN_TYPES.intersection(meta.jsonld_types):
        return True
    if doc is None:
        return False
    return any(str(t).rstrip("/").rsplit("/", 1)[-1].lower() in _EVERGREEN_TYPES
               for t in doc.xpath("//@itemtype")[:50])


# A plain <meta> date (source "meta") at most this many days after the header's date line
# gives way to the date line.
META_BEHIND_LINE = True
_META_BEHIND_DAYS = 3


# A comment section's heading quotes the post's title as the CMS stores it ("3 thoughts on
# “Headline”", "Eine Antwort auf „Headline“", "2 Kommentare zu “Headline”")
_COMMENTS_ON = re.compile(r"\b(?:on|to|auf|zu|zum|für|sur|à|a|en|su|about|über)\s*[„“\"«‘‚»]\s*"
                          r"(.+?)\s*[“”\"»’‘«]$", re.IGNORECASE)


def choose_title(meta: PageMetadata, page_title: str, raw_title: str | None,
                 site_keys: set[str]) -> tuple[str | None, str | None]:
    """The record's title and its source: see the module docstring (``raw_title`` is the
    page's ``<title>`` text, None without a tree)."""
    title_cands = meta.get("title") + [Candidate(_one_line(page_title), "newspaper3k")]
    # a declared title that is the site's name alone (a home or shop page's WebPage name,
    # og:title) gives way to a later one that is not
    title, src = _first_valid(title_cands, lambda v: _not_site(clean_title(v, site_keys),
                                                               site_keys))
    if not title:
        title, src = _first_valid(title_cands, lambda v: clean_title(v, site_keys))
    if src == "newspaper3k" and title and _squash(title) in site_keys:
        # newspaper3k took the site's name (a logo <h1> that the <title> contains): the
        # <title> without the site's name
        own = clean_title(raw_title or "", site_keys)
        if own and _squash(own) not in site_keys:
            title, src = own, "html:title"
    if title and raw_title is not None:
        title, src = untruncated(title, src, raw_title or "", site_keys)
    declared = [c.value for c in title_cands if c.source != "html"]
    # the title a comment section's <h2> quotes confirms headings as a declared one does
    declared += [m.group(1) for m in (_COMMENTS_ON.search(h) for h in meta.h2_texts) if m][:1]
    # the <title> as the page writes it, when no declared title has its words (newspaper3k's
    # title cuts it at its own separators: "HE:Kassel/Treffen – Wiki" gave "Treffen – Wiki"):
    # it confirms a heading of two words or more that covers more than half of it
    own_title = clean_title(raw_title or "", site_keys)
    if any(_words(own_title) == _words(d) for d in declared):
        own_title = ""
    headline_h1 = meta.headline_h1 or confirmed_heading(meta.h1_texts, declared)
    heading_src = "html:h1"
    if not headline_h1:
        # no headline <h1>: an <h2> that a declared title confirms (old themes print the
        # blog's name as the <h1> and the post's title as an <h2>)
        headline_h1, heading_src = confirmed_heading(
            meta.h2_texts, declared + [own_title] if own_title else declared), "html:h2"
    if headline_h1:
        h1 = drop_kicker(headline_h1, meta.headline_kicker)
        if not any(_words(h1) == _words(d) for d in declared[:1]):
            # an <h1> that shows the first declared title whole keeps the words that
            # cutting took for the site's name ("Welpen kaufen – Tipps" on a site "Welpen")
            h1 = clean_title(h1, site_keys)
        headline, took = prefer_headline(title, h1, declared, site_keys)
        if not took and own_title and len(_words(h1).split()) >= 2 and \
                len(_words(h1).split()) > _HEADING_SHARE * len(_words(own_title).split()):
            headline, took = prefer_headline(title, h1, [own_title], site_keys)
        if took and title and f" {_words(title)} " not in f" {_words(headline or '')} " and any(
                _words(h2) == _words(title) for h2 in meta.h2_texts):
            # the title is shown too, as an <h2> (the story's headline under a topic
            # page's <h1>): the page's markup and its text agree on it
            took = False
        if not took and heading_src == "html:h1" and len(meta.h1_texts) == 1:
            # the page's only <h1> over a title no article markup names the headline
            headline = lone_headline(title, src, h1, declared, site_keys)
            took = bool(headline)
        if took and headline != title:
            title, src = headline, heading_src
    elif title and len(meta.h2_texts) == 1 and (not meta.h1_texts or LABEL_H1_NONE and all(
            len(_words(h).split()) < 2 for h in meta.h1_texts)):
        # no <h1> at all, or only one-word box labels ("Page", "User": a wiki's menus): the
        # page's only <h2> is its top heading, as a lone <h1> would be
        h2 = clean_title(meta.h2_texts[0], site_keys)
        if _words(h2) != _words(title) and lone_headline(title, src, h2, declared, site_keys):
            title, src = h2, "html:h2"
    crumb = crumb_headline(meta, title_cands, declared)
    if crumb:
        title, src = crumb, "html:h2"
    if SHOWN_PART and title and src not in ("html:h1", "html:h2"):
        # a title that no heading gave, whose part the page shows as a heading of its own:
        # that part (the rest is a tagline or a teaser's words)
        part, heading_src = shown_part(title, meta.h1_texts, meta.h2_texts)
        if part:
            title, src = part, heading_src
    return title, src



def shown_part(title: str, h1_texts: list[str], h2_texts: list[str]) -> tuple[str, str]:
    """The part of ``title`` before or after one of its separators that the page shows as an
    ``<h1>`` or ``<h2>`` of two words or more, with that heading's source, when exactly one
    such part is; else ("", "")."""
    shown = {_words(h): "html:h2" for h in h2_texts} | {_words(h): "html:h1" for h in h1_texts}
    found: dict[str, str] = {}
    for m in _TITLE_SEPS.finditer(title):
        for part in (title[:m.start()], title[m.end():]):
            key = _words(part)
            if len(key.split()) >= 2 and key in shown:
                found[part.strip()] = shown[key]
    if len(found) != 1:
        return "", ""
    return next(iter(found.items()))


def build_record(page: ParsedPage, *, url: str, final_url: str | None = None,
                 fetched_at: datetime | None = None,
                 http_status: int | None = None) -> ArticleRecord:
    base = final_url or url
    now = fetched_at or datetime.now(UTC)
    meta = extract_metadata(page.doc)
    prov: dict[str, str] = {}

    # publisher / site name first: titles and authors are compared against it
    site_cands = meta.get("publishers") + meta.get("site_name")
    if page.meta_site_name:
        site_cands.append(Candidate(_one_line(page.meta_site_name), "newspaper3k"))
    site_keys = _site_keys([c.value for c in site_cands], base)
    # authors are compared against the site's names (not a publisher that is a person: the
    # owner of a personal blog is its author) and the copyright holders (the site's owner)
    person_publishers = set(meta.person_publishers)
    author_keys = (_site_keys([c.value for c in site_cands if c.value not in person_publishers],
                              base) if person_publishers else site_keys)
    author_keys |= _holder_keys([c.value for c in meta.get("copyright")])

    # title
    title, src = choose_title(meta, page.title, page.doc.findtext(".//title")
                              if page.doc is not None else None, site_keys)
    if title:
        title = unicodedata.normalize("NFC", title)
        prov["title"] = src or ""

    # language claimed by the page
    lang_claims = meta.get("language") + (
        [Candidate(page.meta_lang, "newspaper3k")] if page.meta_lang else [])
    claim, claim_src = _first_valid(lang_claims, _iso639_1)
    claim_raw = next((c.value for c in lang_claims if c.source == claim_src), "")

    # dates: (UTC instant, the page's UTC offset in minutes or None)
    us = _us_order(claim_raw or "", meta)

    def _date(v: str) -> tuple[datetime, int | None] | None:
        return _plausible_local(parse_date_local(v, us_order=us), now)

    marked = [c for c in meta.get("published") if c.source not in _WEAK_DATE_SOURCES]
    weak = [c for c in meta.get("published") if c.source in _WEAK_DATE_SOURCES]
    when, src = _first_valid(marked, _date)
    if DATE_CONSENSUS and when is not None:
        when, src = _consensus(when, src, meta.get("published"), _date, page.publish_date)
    url_date = plausible(date_from_url(base), now)
    # A full date in the URL is fixed when the article is first published; a CMS date
    # later than it by more than a day is a re-publication or an update.
    if url_date is not None and (when is None or
                                 abs((_local_day(when) - url_date.date()).days) > 1):
        when, src = (url_date, None), "url"
    shown = _VisibleText(page.doc)
    if SHOWN_DAY_FIRST and when is not None and src != "url" and (
            url_date is None or url_date.date() != _local_day(when)):
        when, src = _shown_instead(when, src, meta.get("published"), _date, shown)
        if DAY_ORDER_SHOWN:
            when, src = _other_order(
                when, src, meta.get("published"), _date,
                lambda v: _plausible_local(parse_date_local(v, us_order=not us), now), shown)
    if SAID_OVER_LATER and when is not None and src != "url":
        said = _plausible_local(said_published(shown.text, us_order=us), now)
        if said is not None and 0 < (_local_day(when) - _local_day(said)).days <= 366 and \
                _only_as_update(shown.text, _local_day(when)):
            when, src = said, "text:published"
    # the days of reviews and comments on the page (microdata): never the page's date
    foreign = {d.date() for d in (parse_date(v) for v in meta.foreign_dates) if d}
    header_line: list[tuple[datetime, int | None] | None] = []

    def _header_line() -> tuple[datetime, int | None] | None:
        """The header's date line (:func:`dateline`), looked for once."""
        if not header_line:
            header_line.append(
                _plausible_local(dateline(_title_h1(meta, title), us_order=us), now))
        return header_line[0]

    if META_BEHIND_LINE and when is not None and src == "meta":
        # a plain <meta name="date"> a day or so after the date line under the headline:
        # the CMS's build or change time; the page shows when it was published
        line = _header_line()
        if line is not None and _local_day(line) not in foreign and \
                0 < (_local_day(when) - _local_day(line)).days <= _META_BEHIND_DAYS:
            when, src = line, "dateline"
    if when is None:
        line = _header_line() if DATELINE else None
        if line is not None and _local_day(line) in foreign:
            line = None
        for cand in weak:
            found_local = _date(cand.value)
            if found_local is not None and (cand.source not in _SHOWN_DATE_SOURCES or
                                            shown.shows_own_day(_local_day(found_local))):
                when, src = found_local, cand.source
                break
        # the header's date line over a <time> or WebPage date of another day (a teaser's,
        # the CMS page's); of the same day the other value, which has the time and zone
        if line is not None and (when is None or _local_day(when) != _local_day(line)):
            when, src = line, "dateline"
    if PUBLISHED_SAID and when is None:
        when = _plausible_local(said_published(shown.text, us_order=us), now)
        if when is not None and _local_day(when) in foreign:
            when = None
        src = "text:published" if when is not None else None
    if when is None and HTMLDATE_FALLBACK is not None:
        found = plausible(htmldate_published(page.doc, base, HTMLDATE_FALLBACK,
                                             languages=_date_languages(claim, page)), now)
        # htmldate also reads the microdata of reviews and comments
        if found is not None and (found.date() in foreign or (
                "htmldate" in _SHOWN_DATE_SOURCES and not shown.shows_own_day(found.date()))):
            found = None
        when, src = ((found, None), "htmldate") if found else (None, None)
    if when is None and page.publish_date is not None:
        when = _plausible_local((page.publish_date, offset_minutes(page.publish_date)), now)
        src = "newspaper3k" if when else None
    if SCRIPT_DATE and when is None:
        when, src = _first_valid([Candidate(v, "script") for v in script_published(page.doc)],
                                 _date)
    if SLUG_DATE and when is None:
        slug_date = plausible(date_in_slug(base, us_order=us), now)
        when, src = ((slug_date, None), "url:slug") if slug_date is not None else (None, None)
    if when is not None and src not in ("url", "htmldate", "dateline"):
        others = [w for w in (_date(c.value) for c in meta.get("published")) if w]
        if page.publish_date is not None:
            others.append((_utc(page.publish_date) or page.publish_date,
                           offset_minutes(page.publish_date)))
        when = local_offset(when, others, central_european=claim in CET_LANGUAGES)
        if ZONE_DAY:
            zone = page_zone(domain_of(base) or "", [c.value for c in lang_claims])
            when = zone_day(when, zone, lambda d: shown.shows_day(d) or (
                url_date is not None and url_date.date() == d))
    if UTC_SHOWN and when is not None and when[1] and \
            not shown.shows_day(_local_day(when)) and _shows_utc_time(shown.text, when[0]) and (
            url_date is None or url_date.date() != _local_day(when)):
        # the page writes the UTC day, not the local one: it shows its times in UTC
        when = (when[0], 0)
    if DATELINE_SHOWN and when is not None and src != "url" and \
            not shown.shows_day(_local_day(when)) and (
            url_date is None or url_date.date() != _local_day(when)):
        # the chosen (local) day is written nowhere on the page: the header's date line, if
        # near
        line = _header_line()
        if line is not None and _local_day(line) not in foreign and abs(
                (_local_day(line) - _local_day(when)).days) <= _DATELINE_SHOWN_MAX_DAYS:
            when, src = line, "dateline"
    if EVERGREEN_UNSHOWN and when is not None and src != "url" and \
            not shown.shows_day(_local_day(when)) and (
            url_date is None or url_date.date() != _local_day(when)) and \
            _evergreen(meta, page.doc):
        # a recipe or FAQ page that shows no date: its markup's date is the CMS entry's
        when, src = None, None
    # the zone of the page's country-code domain, for times written without a zone
    country_zone = page_zone(domain_of(base) or "", [])
    if ZONELESS_IN_COUNTRY and when is not None:
        when, zoned = wall_clock_in_zone(when, country_zone)
        if zoned:
            src = f"{src or ''} (zone: {zoned})"
    published, published_offset = when if when is not None else (None, None)
    if published is not None:
        prov["published_at"] = src or ""
    changed, src = _first_valid(meta.get("modified"), _date)
    modified = None
    if changed is not None:
        if ZONELESS_IN_COUNTRY:
            # the same reading of a zone-less time as for the publication's
            changed, zoned = wall_clock_in_zone(changed, country_zone)
            src = f"{src or ''} (zone: {zoned})" if zoned else src
        modified = changed[0]
    if modified is not None and published is not None and modified < published:
        modified = None
    if modified is not None:
        prov["modified_at"] = src or ""

    # authors: first structured source with a clean name, else newspaper3k
    authors: list[str] = []
    org_authors: list[str] = []
    by_source: dict[str, list[str]] = {}
    for cand in meta.get("authors"):
        by_source.setdefault(cand.source, []).append(cand.value)
    for source, values in by_source.items():
        names, orgs = clean_authors(values, author_keys)
        org_authors.extend(orgs)
        names = [n for n in names if shown.contains(n)]
        if names and (source not in _LOOSE_AUTHOR_SOURCES or len(names) <= _MAX_LOOSE_AUTHORS):
            authors, prov["authors"] = names, source
            break
    if authors and CO_AUTHORS_ELSEWHERE:
        authors, prov["authors"] = _co_authors(authors, prov["authors"], by_source,
                                               author_keys, shown)
    if not authors and SITE_OWNER_AUTHORS:
        # a personal site: the author's name is the site's name ("Daniel Lemire's blog")
        for source, values in by_source.items():
            if source not in _OWNER_SOURCES:
                continue
            _, orgs = clean_authors(values, author_keys)
            owners = _dedupe([n for n in (_clean_name(o, set())[0] for o in orgs)
                              if n and person_like(n) and shown.contains(n)])
            if len(owners) == 1:
                authors, prov["authors"] = owners, source
                break
    if not authors and page.authors and NEWSPAPER_AUTHORS:
        names, orgs = clean_authors(page.authors, site_keys)
        org_authors.extend(orgs)
        names = [n for n in names if shown.contains(n)]
        # newspaper3k collects every byline-looking node: a long list is a comment section
        if names and len(names) <= _MAX_LOOSE_AUTHORS:
            authors, prov["authors"] = names, "newspaper3k"

    # publisher
    publisher = None
    for cand in site_cands:
        value = _plain(cand.value)
        # a name has letters ("..." of a blog theme's empty site-name slot has none)
        if value and not value.startswith(("http://", "https://")) and len(value) <= 100 and \
                any(ch.isalpha() for ch in value):
            publisher, prov["publisher"] = value, cand.source
            break
    if publisher is None and org_authors:
        publisher, prov["publisher"] = org_authors[0], "authors"

    # body
    second = second_opinion(page.doc, base, page.text or "")
    body, chosen = choose_body(page.text or "", second)
    text = drop_leading_title(drop_leading_title(clean_body(body), title), meta.headline_h1)
    extractor = EXTRACTOR_NAME if chosen == "newspaper3k" else SECOND_EXTRACTOR_NAME
    prov["text"] = extractor
    if not authors and SIGNATURE_AUTHORS and text:
        # the article signed at its end: a last paragraph that is only a person's name
        last = text.rsplit("\n\n", 1)[-1].strip()
        if person_like(last) and _signature(page.doc, last) and \
                not (author_keys and _is_site(last, author_keys)):
            authors, prov["authors"] = [last], "signature"

    # language, checked against the text
    language = claim
    if claim:
        prov["language"] = claim_src or ""
    detected, prob = detect_language(text or (title or ""))
    if detected and _LANG.match(detected):
        if claim and detected != claim and prob >= 0.9 and len(text) >= 200:
            language, prov["language"] = detected, f"langid (page said {claim})"
        elif not claim and prob >= 0.5:
            language, prov["language"] = detected, "langid"

    # description, section, tags
    desc_cands = meta.get("description") + [Candidate(page.meta_description, "newspaper3k")]
    description, src = _first_valid(desc_cands, _plain)
    if description:
        prov["description"] = src or ""
    section, src = _first_valid(meta.get("section"),
                                lambda v: _plain(v) if len(v) <= 100 else None)
    if section:
        prov["section"] = src or ""
    tag_values = [c.value for c in meta.get("tags")] + list(page.tags) + [
        str(t) for t in page.meta_keywords]
    tags = [t for t in _dedupe([_plain(v) for v in tag_values]) if len(t) <= 100]
    if tags:
        srcs = _dedupe([c.source for c in meta.get("tags")] +
                       (["newspaper3k"] if page.tags or page.meta_keywords else []))
        prov["tags"] = ",".join(srcs)

    # canonical, images
    canon_cands = ([c for c in meta.get("canonical") if c.source == "html"] +
                   [c for c in meta.get("canonical") if c.source == "og"] +
                   [c for c in meta.get("canonical") if c.source not in ("html", "og")] +
                   [Candidate(page.canonical_link, "newspaper3k")])
    canonical, src = _first_valid(canon_cands, lambda v: _absolute(base, v))
    if canonical:
        prov["canonical_url"] = src or ""
    image_cands = meta.get("image") + [Candidate(page.top_image, "newspaper3k"),
                                       Candidate(page.body_image, "newspaper3k:body")]
    top_image, src = _first_valid(image_cands, lambda v: _picture(_absolute(base, v)))
    if top_image:
        prov["top_image"] = src or ""
    images = _dedupe(([top_image] if top_image else []) +
                     page_images(page.doc, base, list(page.images)))[:_MAX_IMAGES]

    return ArticleRecord(
        url=article_identity(base, canonical),
        final_url=final_url,
        canonical_url=canonical,
        domain=domain_of(base),
        title=title or None,
        description=description or None,
        text=text,
        authors=authors,
        published_at=published,
        published_offset_minutes=published_offset,
        modified_at=modified,
        language=language,
        tags=tags,
        section=section or None,
        publisher=publisher,
        top_image=top_image,
        images=images,
        word_count=len(text.split()),
        content_hash=content_hash(text),
        fetched_at=_utc(fetched_at),
        http_status=http_status,
        extractor=extractor,
        provenance=prov,
    )


def extract_record(html: str, *, url: str, final_url: str | None = None,
                   fetched_at: datetime | None = None,
                   http_status: int | None = None) -> ArticleRecord:
    """Parse + normalise: HTML text in, article record out (or a classified error)."""
    page = parse_html(html, final_url or url, authors=NEWSPAPER_AUTHORS)
    record = build_record(page, url=url, final_url=final_url, fetched_at=fetched_at,
                          http_status=http_status)
    if not record.text and not record.title:
        raise PermanentError("no_content", "no article text or title found on the page")
    return record
