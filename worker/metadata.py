"""Structured metadata read from a parsed page (the lxml tree newspaper3k already built).

One pass over the tree collects every value the page declares about itself, each tagged with
the name of its source, in a fixed order of trust. Nothing here decides which value wins or
cleans it: :mod:`worker.normalise` does that. Sources, most trusted first:

``jsonld``      schema.org JSON-LD (``<script type="application/ld+json">``): objects of an
                article type (NewsArticle, Article, BlogPosting, ReportageNewsArticle, ...),
                also inside ``@graph`` and top-level arrays (authors only from the first one
                that names any: the others are teasers); broken JSON is repaired where
                possible (trailing commas, raw control characters, HTML comments, several
                objects in one script) and otherwise scanned field by field.
``jsonld:page`` the same from WebPage-type objects (less trusted: often the CMS's page).
``og`` / ``article``  OpenGraph ``og:*`` and ``article:*`` properties.
``meta``        well-known ``<meta name>`` tags (author, date, parsely-*, sailthru.*, ...).
``itemprop``    schema.org microdata (``itemprop="datePublished"``, ``author``, ...; further
                authors only beside the first one).
``dc``          Dublin Core (``DC.*`` / ``dcterms.*``).
``twitter``     Twitter cards (``twitter:title``, the "Written by" label/data pair, ...).
``time``        ``<time datetime>`` marked as the publication time, or the first one inside
                the article; ``time:only``: else the page's only ``<time>`` outside comments
                (its datetime, else its text).
``html``        ``<html lang>``, ``rel=canonical``, ``rel=author`` links, ``<h1>`` (an ``<h1>``
                that links to the home page or is classed as the logo is the site's name).
``byline``      visible byline markup (``class="author"``, ``autor``, ``byline``, ``posted-by``, ...
                outside comment sections), the first three short ones: the first one and
                those beside it (same parent or grandparent: co-authors); of an author box
                with paragraphs (name, bio, links) its first line.
``textline``    a short line of visible text that starts with a byline word and a name of
                two to four capitalised words ("Von Anna Berger", "Posted on 2 May 2020 by
                Jane Doe", "Text: Max Muster", "Text & Fotos: X", "Redaktion: X", "<h4>Autor
                </h4><p>X</p>"), outside comments, footers, navigation and sidebars; the
                first three; then a line of a numeric day and a name alone ("11.12.2019 -
                Jane Doe").
``author-class`` any element (also an <h4>-<h6>) whose class has "author" (or "contributor") in it,
                or whose id has "author" in it
                ("header-info__author-link", "entry-meta-author", "field-contributor") and
                whose whole text (a numeric day after it cut) is one or more names of two to
                four capitalised words (or a byline word and one user name: "von jdoe"),
                outside comments, related-article teasers and
                sliders: the first one and those beside it (co-authors), at most three.
``author-link``  the text of a link to an author's profile page ("/author/jane-doe/",
                "/autoren/max-muster", "/staff/...") when it is a name of two to four
                capitalised words, outside menus, footers, comments, teasers, sliders and
                photo credits: the first one and those beside it (co-authors), at most three.
``username``    the first element classed ``username`` (a forum's or Drupal's user account
                link: "<a class="username">jdoe</a>") outside comments, teasers, sliders,
                menus, footers and sidebars.
``user-line``   a line of a byline word, one user name and a date before or after them
                ("von jdoe am 20.09.2020", "06.11.2023 13:30 von Olga"), outside comments,
                footers, menus and sidebars: the first one.
``post-author-comment`` the name on the first comment WordPress marks as the post author's
                own (class ``bypostauthor``): hCard's ``fn``, else the comment's
                ``comment-author`` element (its first text: "jdoe" of "jdoe says:").

Every value is a :class:`Candidate` ``(value, source)``; a field's candidates keep that
order, so the first one is the most trusted.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Candidate", "PageMetadata", "extract_metadata", "hidden_by_style", "ARTICLE_TYPES"]

# JSON-LD authors only from the first article object that names any (later ones are teasers)
JSONLD_FIRST_AUTHORS = True
# text bylines: a line of a numeric day and a name alone ("11.12.2019 - Jane Doe")
DATE_NAME_LINES = True
# text bylines: "Autor" as its own heading or label, the name beside it, without a colon
AUTHOR_HEADING = True
# byline markup with paragraphs (an author box): its first line
BYLINE_FIRST_LINE = True
# the name on a comment the post's author wrote (WordPress "bypostauthor"), the last source
POST_AUTHOR_COMMENT = True
# a user name marked class="username" in the article (forums, Drupal), after author links
USERNAME_CLASS = True
# a line of a byline word, one user name and a date ("von jdoe am 20.09.2020"), after those
USER_DATE_LINES = True
# text bylines: the <br> lines of a paragraph longer than a byline are read too
LONG_BR_LINES = True
# byline markup inside a link that holds more (a card linking another article) is not ours
BYLINE_NOT_IN_CARD = True

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle",
    "askpublicnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "discussionforumposting", "techarticle", "scholarlyarticle", "report", "satiricalarticle",
    "advertisercontentarticle", "medicalscholarlyarticle", "review", "creativework",
})
PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "aboutpage", "faqpage",
                        "profilepage", "qapage", "searchresultspage", "medicalwebpage"})
ORG_TYPES = frozenset({"organization", "newsmediaorganization", "corporation",
                       "educationalorganization", "governmentorganization", "ngo",
                       "localbusiness", "website", "brand"})

FIELDS = ("title", "description", "published", "modified", "authors", "publishers",
          "section", "tags", "language", "canonical", "image", "site_name", "copyright")

# <meta name|property> -> (field, source). Names are compared lower-cased.
_META_MAP: dict[str, tuple[str, str]] = {
    "og:title": ("title", "og"),
    "og:description": ("description", "og"),
    "og:site_name": ("site_name", "og"),
    "og:image": ("image", "og"),
    "og:image:url": ("image", "og"),
    "og:image:secure_url": ("image", "og"),
    "og:url": ("canonical", "og"),
    "og:locale": ("language", "og"),
    "article:published_time": ("published", "article"),
    "article:published": ("published", "article"),
    "article:modified_time": ("modified", "article"),
    "og:updated_time": ("modified", "og"),
    "article:author": ("authors", "article"),
    "article:section": ("section", "article"),
    "article:tag": ("tags", "article"),
    "article:publisher": ("publishers", "article"),
    "twitter:title": ("title", "twitter"),
    "twitter:description": ("description", "twitter"),
    "twitter:image": ("image", "twitter"),
    "twitter:image:src": ("image", "twitter"),
    "author": ("authors", "meta"),
    "byl": ("authors", "meta"),
    "parsely-author": ("authors", "meta"),
    "sailthru.author": ("authors", "meta"),
    "article.author": ("authors", "meta"),
    "citation_author": ("authors", "meta"),
    "dc.creator": ("authors", "dc"),
    "dcterms.creator": ("authors", "dc"),
    "dc.creator.personalname": ("authors", "dc"),
    "dc.title": ("title", "dc"),
    "dcterms.title": ("title", "dc"),
    "parsely-title": ("title", "meta"),
    "headline": ("title", "meta"),
    "description": ("description", "meta"),
    "dc.description": ("description", "dc"),
    "dcterms.description": ("description", "dc"),
    "date": ("published", "meta"),
    "pubdate": ("published", "meta"),
    "publishdate": ("published", "meta"),
    "publish-date": ("published", "meta"),
    "publish_date": ("published", "meta"),
    "publication_date": ("published", "meta"),
    "published_time": ("published", "meta"),
    "published-date": ("published", "meta"),
    "article_date_original": ("published", "meta"),
    "article.published": ("published", "meta"),
    "original-publish-date": ("published", "meta"),
    "sailthru.date": ("published", "meta"),
    "parsely-pub-date": ("published", "meta"),
    "citation_publication_date": ("published", "meta"),
    "citation_date": ("published", "meta"),
    "cxenseparse:recs:publishtime": ("published", "meta"),
    "date.created": ("published", "meta"),
    "dc.date": ("published", "dc"),
    "dc.date.issued": ("published", "dc"),
    "dc.date.created": ("published", "dc"),
    "dcterms.date": ("published", "dc"),
    "dcterms.issued": ("published", "dc"),
    "dcterms.created": ("published", "dc"),
    "last-modified": ("modified", "meta"),
    "lastmod": ("modified", "meta"),
    "article.updated": ("modified", "meta"),
    "dc.date.modified": ("modified", "dc"),
    "dcterms.modified": ("modified", "dc"),
    "parsely-section": ("section", "meta"),
    "section": ("section", "meta"),
    "article.section": ("section", "meta"),
    "parsely-tags": ("tags", "meta"),
    "news_keywords": ("tags", "meta"),
    "keywords": ("tags", "meta"),
    "dc.subject": ("tags", "dc"),
    "dc.language": ("language", "dc"),
    "dcterms.language": ("language", "dc"),
    "language": ("language", "meta"),
    "content-language": ("language", "meta"),
    "dc.publisher": ("publishers", "dc"),
    "dcterms.publisher": ("publishers", "dc"),
    "publisher": ("publishers", "meta"),
    "application-name": ("site_name", "meta"),
    "copyright": ("copyright", "meta"),
    "dc.rights": ("copyright", "dc"),
    "dcterms.rights": ("copyright", "dc"),
    "dcterms.rightsholder": ("copyright", "dc"),
    "apple-mobile-web-app-title": ("site_name", "meta"),
}
# microdata ranks after the <meta> tags: itemprop attributes also sit on teasers and
# sidebars, <meta> tags only describe the page itself.
_SOURCE_RANK = {"jsonld": 0, "article": 1, "og": 1, "meta": 2, "itemprop": 3, "dc": 4,
                "twitter": 5, "jsonld:page": 6, "time": 7, "time:only": 7, "html": 8, "byline": 9,
                "textline": 10, "author-class": 11, "author-link": 12,
                "username": 13, "user-line": 14, "post-author-comment": 15}
# a photo's credit line, not the article's byline
_NOT_IN_PHOTO = ("[not(ancestor::figure or ancestor::figcaption or ancestor::*[contains(@class, "
                 "'photo') or contains(@class, 'caption') or contains(@class, 'credit')])]")
# Visible byline markup: an element whose class names it the author or byline.
_BYLINE_XPATH = (
    "//*[self::a or self::span or self::div or self::p or self::address or self::strong]"
    "[contains(concat(' ', normalize-space(@class), ' '), ' author ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' autor ') or "
    "contains(@class, 'author-name') or contains(@class, 'authorName') or "
    "contains(@class, 'byline') or contains(@class, 'posted-by') or "
    "contains(@class, 'submitted-by') or contains(@class, 'entry-author') or "
    "contains(@class, 'post-author') or contains(@class, 'article-author')]"
    "[not(ancestor::*[contains(@class, 'comment') or contains(@id, 'comment') or "
    # (a related article's byline names that article's author)
    "contains(@class, 'related')])]"
    + _NOT_IN_PHOTO)
# Wider: any element whose class has "author" in it ("header-info__author-link",
# "entry-meta-author", "Tech-Author", "content__author"); ranked after the text bylines.
_AUTHOR_CLASS_XPATH = (
    "//*[self::a or self::span or self::div or self::p or self::address or self::strong or "
    "self::li or self::dd or self::b or self::em or self::small or self::h4 or self::h5 or "
    "self::h6]"
    "[contains(translate(@class, 'AUTHOR', 'author'), 'author') or "
    "contains(@class, 'contributor') or contains(translate(@id, 'AUTHOR', 'author'), 'author')]"
    "[not(ancestor::*[contains(@class, 'comment') or contains(@id, 'comment') or "
    "contains(@class, 'related') or contains(@class, 'teaser') or contains(@class, 'slide')"
    "])]" + _NOT_IN_PHOTO)
# A link to an author's profile page ("/author/jane-doe/", "/autoren/max-muster",
# "/staff/jane-doe"): WordPress and most CMSs link the byline name there.
_AUTHOR_PATH = re.compile(r"/(?:authors?|autor(?:en|in|innen)?|auteurs?|autore|staff|"
                          r"reporters?|journalist(?:en|s)?)/[^/?#]+/?(?:[?#]|$)", re.IGNORECASE)
# ... but not in a menu of the site's columnists, a footer's staff list, comments, teasers
# of other articles, sliders or a photo's credit
_OFF_PROFILE_TAGS = frozenset({"nav", "footer", "figure", "figcaption"})
_OFF_PROFILE = re.compile(r"menu|nav|footer|comment|related|teaser|slide|photo|caption|credit",
                          re.IGNORECASE)
_WRITTEN_BY = re.compile(
    r"^(written by|author|autor(?:in)?|geschrieben von|verfasst von|von|écrit par|"
    r"escrito por|scritto da|door|napisane przez|autor(?:a)?)\s*:?$", re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x1f]")
_JSON_FIELD = re.compile(
    r'"(headline|datePublished|dateModified|dateCreated|inLanguage|articleSection)"\s*:\s*'
    r'"((?:[^"\\]|\\.)*)"')
_JSON_AUTHOR = re.compile(r'"author"\s*:\s*(\[[^\]]*\]|\{[^{}]*\}|"(?:[^"\\]|\\.)*")')


@dataclass(frozen=True)
class Candidate:
    value: str
    source: str


@dataclass
class PageMetadata:
    """All values found on the page; per field, most trusted first."""

    fields: dict[str, list[Candidate]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    html_lang: str = ""
    # the page's visible headline: the first <h1> inside <article>/<main>, else the only <h1>
    # (text of visually hidden children left out)
    headline_h1: str = ""
    # the kicker printed as the first part of that <h1> ("Topic" in <h1><span class=
    # "kicker">Topic</span> Headline</h1>), "" when it has none
    headline_kicker: str = ""
    # that <h1> element itself (None when the page has no such headline)
    headline_element: Any = None
    # the texts of the page's <h1> elements (not logos), each once, in page order: when
    # there is no headline <h1>, one of them may still be confirmed by the declared titles
    h1_texts: list[str] = field(default_factory=list)
    # the same for <h2> elements (a page whose headline is an <h2>)
    h2_texts: list[str] = field(default_factory=list)
    # when that <h1> is a breadcrumb trail's last crumb: the page's <h2> headlines printed
    # with a kicker, as (text, kicker), outside the trail
    crumb_h2_headlines: list[tuple[str, str]] = field(default_factory=list)
    # the <h1> elements themselves (not logos, not hidden), in page order
    h1_elements: list[Any] = field(default_factory=list)
    # publication dates of reviews and comments on the page (microdata): not the page's
    foreign_dates: list[str] = field(default_factory=list)
    # JSON-LD publishers typed Person (a personal blog's owner): not an organisation, so no
    # reason to keep that name out of the authors
    person_publishers: list[str] = field(default_factory=list)
    jsonld_types: list[str] = field(default_factory=list)

    def add(self, name: str, value: Any, source: str) -> None:
        if value is None:
            return
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return
        value = " ".join(value.split())
        if value:
            self.fields[name].append(Candidate(value, source))

    def get(self, name: str) -> list[Candidate]:
        return self.fields.get(name, [])

    def first(self, name: str) -> Candidate | None:
        values = self.fields.get(name)
        return values[0] if values else None

    def sort(self) -> None:
        for name, values in self.fields.items():
            # stable: keeps document order within a source
            self.fields[name] = sorted(values, key=lambda c: _SOURCE_RANK.get(c.source, 9))


# --------------------------------------------------------------------------- JSON-LD
def _loads_tolerant(raw: str) -> list[Any]:
    """Parse one JSON-LD script; repair common breakage; [] when hopeless."""
    text = raw.strip()
    if not text:
        return []
    # CMS wrappers: HTML comments, CDATA, a trailing semicolon
    text = re.sub(r"^\s*(?:<!--|/\*\s*<!\[CDATA\[\s*\*/|<!\[CDATA\[)", "", text)
    text = re.sub(r"(?:-->|/\*\s*\]\]>\s*\*/|\]\]>)\s*$", "", text).strip().rstrip(";")
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return [json.loads(attempt, strict=False)]
        except ValueError:
            pass
    # several JSON documents back to back
    decoder = json.JSONDecoder(strict=False)
    cleaned = _TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", text))
    out: list[Any] = []
    pos = 0
    while pos < len(cleaned):
        while pos < len(cleaned) and cleaned[pos] in " \t\r\n,;":
            pos += 1
        if pos >= len(cleaned):
            break
        try:
            obj, end = decoder.raw_decode(cleaned, pos)
        except ValueError:
            break
        out.append(obj)
        pos = end
    return out


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Yield every dict in a JSON-LD structure (top-level objects, @graph members, arrays)."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        graph = node.get("@graph")
        if graph is not None:
            yield from _walk(graph, depth + 1)
        main = node.get("mainEntity")
        if isinstance(main, (dict, list)):
            yield from _walk(main, depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    out = set()
    for v in values:
        if isinstance(v, str):
            out.add(v.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower())
    return out


def _names(value: Any, meta: PageMetadata, source: str, target: str = "authors",
           ids: dict[str, dict[str, Any]] | None = None) -> None:
    """Author-like values: strings, Person/Organization objects, lists of either.

    An object that is only a reference (``{"@id": ...}``, as Yoast's ``@graph`` writes the
    article's author) is resolved through ``ids``, the page's JSON-LD objects by ``@id``.
    """
    if isinstance(value, list):
        for item in value[:30]:
            _names(item, meta, source, target, ids)
    elif isinstance(value, str):
        if not value.startswith(("http://", "https://", "/")):
            meta.add(target, value, source)
    elif isinstance(value, dict):
        ref = value.get("@id")
        if "name" not in value and isinstance(ref, str) and ids and ref in ids:
            value = ids[ref]
        name = value.get("name")
        if isinstance(name, list):
            name = name[0] if name and isinstance(name[0], str) else None
        if not isinstance(name, str):
            given, family = value.get("givenName"), value.get("familyName")
            if isinstance(given, str) and isinstance(family, str):
                name = f"{given} {family}"
        if isinstance(name, str):
            kind = _types(value)
            if target == "authors" and kind & ORG_TYPES and "person" not in kind:
                meta.add("publishers", name, source)
            else:
                meta.add(target, name, source)
                if target == "publishers" and "person" in kind:
                    meta.person_publishers.append(" ".join(name.split()))


def _image_urls(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        url = value.get("url") or value.get("contentUrl") or value.get("@id")
        return [url] if isinstance(url, str) else []
    if isinstance(value, list):
        out: list[str] = []
        for item in value[:10]:
            out.extend(_image_urls(item))
        return out
    return []


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return [value["name"]]
    return []


def _from_article(obj: dict[str, Any], meta: PageMetadata, source: str,
                  ids: dict[str, dict[str, Any]] | None = None) -> None:
    for key in ("headline", "name", "alternativeHeadline"):
        if isinstance(obj.get(key), str):
            meta.add("title", obj[key], source)
            break
    meta.add("description", obj.get("description"), source)
    for key in ("datePublished", "dateCreated", "uploadDate"):
        if isinstance(obj.get(key), str):
            meta.add("published", obj[key], source)
            break
    meta.add("modified", obj.get("dateModified"), source)
    _names(obj.get("author"), meta, source, ids=ids)
    if obj.get("author") is None:
        _names(obj.get("creator"), meta, source, ids=ids)
    _names(obj.get("publisher"), meta, source, target="publishers", ids=ids)
    _names(obj.get("copyrightHolder"), meta, source, target="copyright", ids=ids)
    for section in _text_list(obj.get("articleSection"))[:3]:
        meta.add("section", section, source)
    keywords = obj.get("keywords")
    for kw in _text_list(keywords):
        meta.add("tags", kw, source)
    lang = obj.get("inLanguage")
    if isinstance(lang, dict):
        lang = lang.get("alternateName") or lang.get("name")
    meta.add("language", lang if isinstance(lang, str) else None, source)
    for url in _image_urls(obj.get("image"))[:5]:
        meta.add("image", url, source)
    main = obj.get("mainEntityOfPage")
    if isinstance(main, dict):
        main = main.get("@id")
    if isinstance(main, str) and main.startswith("http"):
        meta.add("canonical", main, source)


def _regex_fallback(raw: str, meta: PageMetadata) -> None:
    """Scan a hopelessly broken JSON-LD script for the few fields that matter most."""
    if not re.search(r'"@type"\s*:\s*"[^"]*(Article|Posting)', raw):
        return
    field_map = {"headline": "title", "datePublished": "published", "dateCreated": "published",
                 "dateModified": "modified", "inLanguage": "language",
                 "articleSection": "section"}
    for key, value in _JSON_FIELD.findall(raw):
        with contextlib.suppress(ValueError):
            value = json.loads(f'"{value}"', strict=False)
        meta.add(field_map[key], value, "jsonld")
    match = _JSON_AUTHOR.search(raw)
    if match:
        with contextlib.suppress(ValueError):
            _names(json.loads(match.group(1), strict=False), meta, "jsonld")


def _jsonld(scripts: list[str], meta: PageMetadata) -> None:
    articles: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    ids: dict[str, dict[str, Any]] = {}
    for raw in scripts:
        docs = _loads_tolerant(raw)
        if not docs:
            _regex_fallback(raw, meta)
            continue
        for obj in _walk(docs):
            kinds = _types(obj)
            meta.jsonld_types.extend(sorted(kinds))
            ref = obj.get("@id")
            if isinstance(ref, str) and "name" in obj:
                ids.setdefault(ref, obj)
            if kinds & ARTICLE_TYPES and not kinds & {"review"} - ARTICLE_TYPES:
                articles.append(obj)
            elif kinds & PAGE_TYPES:
                pages.append(obj)
            elif kinds & {"website", "newsmediaorganization"} and isinstance(
                    obj.get("name"), str):
                meta.add("site_name", obj["name"], "jsonld")
    # An article type that carries a headline is the article itself; others (a bare
    # "CreativeWork", a teaser) come after it.
    articles.sort(key=lambda o: (not (o.get("headline") or o.get("datePublished")),
                                 "creativework" in _types(o)))
    authored = False
    for obj in articles:
        # the page's own article names its authors; further article objects with authors
        # are teasers of other articles (their authors are not this page's)
        has_author = obj.get("author") is not None or obj.get("creator") is not None
        if authored and has_author and JSONLD_FIRST_AUTHORS:
            obj = {k: v for k, v in obj.items() if k not in ("author", "creator")}
        authored = authored or has_author
        _from_article(obj, meta, "jsonld", ids)
    for obj in pages:
        _from_article(obj, meta, "jsonld:page", ids)


# --------------------------------------------------------------------------- microdata
def _itemprop_value(el: Any) -> str:
    for attr in ("content", "datetime", "value"):
        val = el.get(attr)
        if val:
            return str(val)
    if el.tag == "meta":
        return ""
    if el.tag in ("a", "link") and el.get("itemprop") in ("url",):
        return str(el.get("href") or "")
    return str(el.text_content() or "")


def _in_comment(el: Any) -> bool:
    """Whether an ancestor of ``el`` is classed or named as a comment."""
    return any("comment" in f"{a.get('class') or ''} {a.get('id') or ''}".lower()
               for a in el.iterancestors())


# Items whose author and dates are not the page's: reader reviews, comments, answers.
_FOREIGN_ITEM = re.compile(r"review|comment|answer|question|rating", re.IGNORECASE)


def _in_foreign_item(el: Any) -> bool:
    """Whether ``el`` belongs to a review/comment item (its nearest enclosing itemscope).

    A review that is the page's own top-level item (an editorial review article, not the
    ``review`` property of a product) is the page's: its author and dates count."""
    node = el.getparent()
    while node is not None:
        if node.get("itemscope") is not None:
            itemtype = str(node.get("itemtype") or "")
            if not _FOREIGN_ITEM.search(itemtype):
                return False
            top_level = node.get("itemprop") is None and not any(
                a.get("itemscope") is not None for a in node.iterancestors())
            return not (top_level and "review" in itemtype.lower())
        node = node.getparent()
    return False


def _microdata(doc: Any, meta: PageMetadata) -> None:
    first_author: Any = None
    for el in doc.xpath("//*[@itemprop]")[:400]:
        props = str(el.get("itemprop") or "").split()
        if {"author", "creator", "datePublished", "dateModified"}.intersection(props) and \
                _in_foreign_item(el):
            if "datePublished" in props:
                meta.foreign_dates.append(_itemprop_value(el))
            continue
        for prop in props:
            if prop == "datePublished":
                meta.add("published", _itemprop_value(el), "itemprop")
            elif prop == "dateModified":
                meta.add("modified", _itemprop_value(el), "itemprop")
            elif prop in ("author", "creator"):
                # further authors count only beside the first one (co-authors), not in the
                # cards of other articles further down
                if first_author is None:
                    first_author = el
                elif not _near(first_author, el):
                    continue
                names = el.xpath(".//*[@itemprop='name']") if el.get("itemscope") is not None \
                    else []
                if names:
                    meta.add("authors", _itemprop_value(names[0]), "itemprop")
                else:
                    value = _itemprop_value(el)
                    if len(value) < 120 and not value.startswith("http"):
                        meta.add("authors", value, "itemprop")
            elif prop == "headline":
                meta.add("title", _itemprop_value(el), "itemprop")
            elif prop == "articleSection":
                meta.add("section", _itemprop_value(el), "itemprop")
            elif prop == "keywords":
                meta.add("tags", _itemprop_value(el), "itemprop")
            elif prop == "inLanguage":
                meta.add("language", _itemprop_value(el), "itemprop")


# --------------------------------------------------------------------------- text bylines
# A short line of visible text that names the author after a byline word: "Von Anna Berger",
# "By Jane Doe | 3 May 2020", "Text: Max Muster", "Posted on 2 May by Jane Doe".
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ŽА-Я"
_CAP = rf"[{_UPPER}][\w'’.-]*"
# two to four capitalised words, up to two particles ("de la", "van der"): a person's name,
# not "Bauteilen"
_NAME = (rf"{_CAP}(?:\s+(?:von|van|de|del|der|den|da|di|dos|du|la|le|las|los|zu)){{0,2}}"
         rf"\s+{_CAP}(?:\s+{_CAP}){{0,2}}")
_TEXT_BYLINE = re.compile(
    # up to 40 characters before, when they end in a number or a separator ("Kultur | ")
    r"^\W*(?:.{0,40}?[\d|•·][^A-Za-zÀ-ž]*)?"
    # "Eine Kolumne von", "Ein Interview von", "Text von", "A column by"
    r"(?i:(?:(?:ein|eine|a|an|un|une)\s+)?(?:beitrag|gastbeitrag|artikel|kolumne|kommentar|"
    r"interview|bericht|reportage|analyse|rezension|text|post|article|column|story|essay|"
    r"analysis|review|opinion|chronique|tribune|published|publié)\s+)?"
    r"(?i:von|by|par|por|door|przez|"
    r"autor(?:in)?\s*:|author\s*:|auteur\s*:|texte?\s*:|geschrieben von|verfasst von\s*:?|"
    # "Text & Fotos: X", "Text und Bild: X"
    r"(?:text|texte|words)\s*(?:&|und|and|\+|/|et)\s*(?:fotos?|bilder?|bild|photos?|pictures?)\s*:|"
    r"posted by|written by\s*:?|ein artikel von|redaktion\s*:)\s+(?P<name>" + _NAME + r")\s*"
    # ... then the end, a separator, a date, or another credit ("Illustration von Y")
    r"(?=$|[|,·•–—(/]|\s-\s|\s(?i:am|on|le|el|den|vom|um|mit|with|\d)|"
    r"\s(?i:fotos?|bilder?|photos?|illustrations?|grafik|infografik|video|kamera|schnitt)"
    r"\s*(?:von|by|:))")
# After an unambiguous author label a single word (a user name) is a name too.
_TEXT_BYLINE_LABELLED = re.compile(
    r"^\W*(?:.{0,40}?\d[^A-Za-zÀ-ž]*)?(?i:autor(?:in)?\s*:|author\s*:|auteur\s*:|"
    r"geschrieben von|verfasst von\s*:?|gespeichert von|posted by|written by\s*:?)\s*"
    r"(?P<name>[\w][\w.'’-]{1,40})\s*"
    r"(?=$|[|,·•–—(]|\s-\s|\s(?i:am|on|le|el|den|vom|um|\d))")
_FULL_NAME = re.compile(r"(?:(?i:von|by|par|por|door|przez|de|di)\s+)?" + _NAME)
# "von Ulrike", "by Jdoe": a byline word and one user name, in author markup
_BY_USER = re.compile(r"(?i:von|vom|by)\s+[\w][\w.'’-]{1,30}")
_NUMERIC_DATE_TAIL = re.compile(r"\s*[,|·•–—-]\s*\d{1,2}\.\d{1,2}\.\d{2,4}$")
_NAME_LIST = re.compile(r"\s*(?:,|;|/|&|\s(?:und|and|y|et|e|i)\s)\s*")
_BYLINE_WORD = re.compile(r"(?:^|\W)(?:von|by|par|por|door|przez|autor|autorin|author|"
                          r"auteur|text|texte|redaktion\s*:)(?:\W|$)", re.IGNORECASE)
# the byline word alone in its element, also after a separator ("<span>| By </span>")
_BYLINE_LABEL = re.compile(r"^[\s|•·,-]*(?:von|by|par|por|door|przez|autor(?:in)?|author|"
                           r"auteur|texte?|written by|posted by|geschrieben von|verfasst von|"
                           r"(?:text|texte|words)\s*(?:&|und|and|\+|/|et)\s*"
                           r"(?:fotos?|bilder?|bild|photos?|pictures?))"
                           r"\s*:?\s*$", re.IGNORECASE)
# Not the article's byline: comment sections, footers, navigation, sidebars, teasers, sliders.
# Quotes and embedded posts ("Posted by X on Sunday" of an embedded Facebook post) are
# someone else's words.
_OFF_WORDS = "comment|footer|sidebar|related|teaser|widget|nav|menu|embed|slide"
# (at the start of a class word or of a part of it: "main-menu", "subMenu", not "taxomenu")
_OFF_ARTICLE = re.compile(rf"(?<![a-zA-Z])(?i:{_OFF_WORDS})|(?<=[a-z])(?:" +
                          "|".join(w.capitalize() for w in _OFF_WORDS.split("|")) + ")")
# ... but a class that says the page has sidebars ("has-double-sidebar", "no-sidebar",
# "with-sidebar", "wrapper__with-sidebar") describes the layout around the article, not a
# sidebar
LAYOUT_CLASS = re.compile(r"(?:^|[\s_-])(?:(?:has|with|without|no|one|two|three|double|both|"
                           r"single)[-_])+(?:sidebars?|nav|navigation)(?=$|\s)|"
                           # a page layout's name: "layoutTwoColumnsRightSidebar",
                           # "layout-sidebar-right"
                           r"(?:^|\s)layout[\w-]*(?=$|\s)", re.IGNORECASE)
_OFF_ARTICLE_TAGS = frozenset({"footer", "nav", "aside", "header-nav", "script", "style",
                               "noscript", "head", "title", "a", "option", "button",
                               "blockquote"})


def _off_article(names: str) -> bool:
    """Whether an element's class and id (``names``) mark a region off the article."""
    return bool(_OFF_ARTICLE.search(names)) and \
        bool(_OFF_ARTICLE.search(LAYOUT_CLASS.sub(" ", names)))


def _under_off_article(el: Any) -> bool:
    """Whether an ancestor of ``el`` is a region off the article (a footer, navigation,
    comments, a sidebar ...). <body>/<html> classes describe the page's layout
    ("one-sidebar"), not a region, so they do not count."""
    return any(a.tag in _OFF_ARTICLE_TAGS or a.tag not in ("body", "html") and
               _off_article(f"{a.get('class') or ''} {a.get('id') or ''}")
               for a in el.iterancestors())


# a line that starts with an author label and a colon ("Text: Jane Doe", "Autorin: X"): in
# a long paragraph only such a line is a byline ("von X" there cites a book)
_CREDIT_LABEL = re.compile(r"^\W*(?:autor(?:in)?|author|auteur|texte?|redaktion)\s*:",
                           re.IGNORECASE)


def _text_bylines(root: Any, meta: PageMetadata, limit: int = 3) -> None:
    seen: set[Any] = set()
    found = 0
    owners: list[Any] = []
    for node in root.iter():
        # text after an element (also after a link or a comment) belongs to its parent
        if node.tail and _BYLINE_WORD.search(node.tail):
            owners.append(node.getparent())
        if isinstance(node.tag, str) and node.tag not in _OFF_ARTICLE_TAGS and \
                node.text and _BYLINE_WORD.search(node.text):
            owners.append(node)
        if len(owners) >= 50:
            break
    for el in owners:
        # "<strong>von</strong> <span>Jane Doe</span>": the byline word alone in its own
        # element, the name in the next one; the line is their parent's
        label = ""
        if el is not None and el.getparent() is not None and \
                _BYLINE_LABEL.match(el.text_content()):
            label = el.text_content().strip(" \t\n|•·,-:")
            el = el.getparent()
        if el is None or el in seen:
            continue
        seen.add(el)
        # the texts of child elements are separate words ("Autor: Jane Doe" + "Quelle: X")
        text = " ".join(" ".join(el.itertext()).split())
        has_br = el.find(".//br") is not None
        if len(text) > 120 and not (LONG_BR_LINES and has_br):
            continue
        if _under_off_article(el) or el.tag in _OFF_ARTICLE_TAGS:
            continue
        if AUTHOR_HEADING and re.fullmatch(r"(?i:autor(?:in)?|author|auteur)", label) and \
                text.startswith(label + " "):
            # "<h4>Autor</h4><p>Jane Doe</p>": the label is its own heading, without a colon
            text = f"{label}: {text[len(label) + 1:]}"
        match = None
        if len(text) <= 120:
            match = _TEXT_BYLINE.search(text) or _TEXT_BYLINE_LABELLED.search(text)
        if match is None and has_br:
            # "Datum: 19.11.2021<br>Autor: Jane Doe<br>Quelle: X": a <br> ends a line (also
            # in a long paragraph: "... (wird fortgesetzt)<br>Text: Jane Doe")
            for line in _br_lines(el):
                if len(line) > 120 or len(text) > 120 and not _CREDIT_LABEL.match(line):
                    continue
                match = _TEXT_BYLINE.search(line) or _TEXT_BYLINE_LABELLED.search(line)
                if match:
                    break
        if match:
            meta.add("authors", match.group("name"), "textline")
            found += 1
            if found == limit:
                return


# "11.12.2019 - Jane Doe", "04.02.2022 | 13:10 Uhr | Jane Doe": a line of a numeric day (and
# time) and a name, nothing else
_DAY_START = re.compile(r"\s*(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})")
_DATE_NAME = re.compile(
    r"^(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})"
    r"(?:\s*[|,]?\s*\d{1,2}[:.]\d{2}(?:\s*(?i:uhr|h))?)?\s*[-|–—·•/]\s*(?P<name>" + _NAME + r")$")


def _date_name_lines(root: Any, meta: PageMetadata) -> None:
    for el in root.iter("p", "span", "div", "small", "li", "time"):
        if not el.text or not _DAY_START.match(el.text):
            continue
        text = " ".join(" ".join(el.itertext()).split())
        if len(text) > 80:
            continue
        match = _DATE_NAME.match(text)
        if match and not _under_off_article(el):
            meta.add("authors", match.group("name"), "textline")
            return


# "von jdoe am 20.09.2020", "06.11.2023 13:30 von Olga", "by oz on December 4, 2006": a line
# of a byline word, one user name and a date (before or after it), nothing else
_LINE_DAY = (r"(?:\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{1,2}\.\s+\w+\s+\d{4}|"
             r"\w+\s+\d{1,2},\s+\d{4}|\d{4}-\d{2}-\d{2})"
             r"(?:,?\s*(?:um\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:Uhr|h))?)?")
_USER_DATE_LINE = re.compile(
    rf"^(?:(?P<before>{_LINE_DAY})\s*[|,·-]?\s*)?(?i:von|by)\s+(?P<name>[\w][\w.'’-]{{1,30}})"
    rf"(?P<after>\s*[|,·-]?\s*(?:(?i:am|on)\s+)?{_LINE_DAY})?$")
_USER_LINE_START = re.compile(r"\s*(?:\d|(?i:von|by)\s)")


def _user_date_lines(root: Any, meta: PageMetadata) -> None:
    """The first line of a byline word, one user name and a date, outside comments, footers,
    menus and sidebars (source ``user-line``)."""
    for el in root.iter("p", "span", "div", "small", "li", "h2", "h3", "h4", "h5", "time",
                        "address"):
        if not el.text or len(el) > 6 or not _USER_LINE_START.match(el.text):
            continue
        text = " ".join(" ".join(el.itertext()).split())
        if len(text) > 70:
            continue
        match = _USER_DATE_LINE.match(text)
        if match and (match.group("before") or match.group("after")) and \
                not _under_off_article(el):
            meta.add("authors", match.group("name"), "user-line")
            return


_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "h2", "h3", "h4", "h5", "h6"})


def _block_lines(el: Any, breaks: frozenset[str] = _BLOCK_TAGS) -> list[str]:
    """The text of ``el`` cut into lines at its descendants tagged ``breaks`` (block
    elements and ``<br>``), each line on one line."""
    lines: list[list[str]] = [[]]

    def walk(node: Any) -> None:
        block = node.tag in breaks and node is not el
        if block:
            lines.append([])
        if node.text:
            lines[-1].append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                lines[-1].append(child.tail)
        if block:
            lines.append([])

    walk(el)
    return [" ".join(" ".join(parts).split()) for parts in lines]


def _br_lines(el: Any) -> list[str]:
    """The text of ``el`` cut into lines at its ``<br>`` elements."""
    return _block_lines(el, frozenset({"br"}))


# --------------------------------------------------------------------------- author links
def _in_article(el: Any) -> bool:
    """Whether no ancestor of ``el`` below <body> is a menu, footer, comment section,
    teaser, slider or photo credit (classes of <body> describe the page's layout)."""
    for a in el.iterancestors():
        if a.tag in ("body", "html"):
            return True
        if a.tag in _OFF_PROFILE_TAGS or \
                _OFF_PROFILE.search(f"{a.get('class') or ''} {a.get('id') or ''}"):
            return False
    return True


def _links(root: Any, meta: PageMetadata) -> None:
    """``rel=author`` links (source "html") and the names of links to an author's profile
    page (source "author-link": the first such link and those beside it), in one pass."""
    rel_found = 0
    profiles: list[Any] = []
    for el in root.iter("a"):
        rel = el.get("rel")
        # a hidden rel=author link (a Blogger theme's "display:none" link to the blog's
        # Google profile, named after the company) is no byline a reader sees
        if rel and rel_found < 5 and "author" in rel.split() and not _hidden(el):
            rel_found += 1
            text = el.text_content()
            if text and len(text) < 80:
                meta.add("authors", text, "html")
        href = el.get("href")
        if href and len(profiles) < 3 and _AUTHOR_PATH.search(href):
            text = " ".join(el.text_content().split())
            if 2 <= len(text) <= 60 and _FULL_NAME.fullmatch(text) and \
                    (not profiles or _near(profiles[0], el)) and _in_article(el):
                meta.add("authors", text, "author-link")
                profiles.append(el)


# --------------------------------------------------------------------------- user names
# Forum and CMS software mark a user account's name with the class "username" (phpBB,
# XenForo, Drupal's "submitted by" line); outside comments, the article's poster
_USERNAME_XPATH = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' username ')]"
    "[not(ancestor::*[contains(@class, 'comment') or contains(@id, 'comment') or "
    "contains(@class, 'related') or contains(@class, 'teaser') or contains(@class, 'slide')"
    "])]")


def _username(root: Any, meta: PageMetadata) -> None:
    """The first user name marked ``class="username"`` in the article (source ``username``),
    not in comments, teasers, sliders, menus, footers or sidebars."""
    for el in root.xpath(_USERNAME_XPATH)[:10]:
        if _in_article(el) and not _under_off_article(el):
            text = " ".join(el.text_content().split())
            if 2 <= len(text) <= 40:
                meta.add("authors", text, "username")
            return


# --------------------------------------------------------------------------- post author
# WordPress marks the comments the post's own author wrote with the class "bypostauthor"
_BY_POST_AUTHOR = "//*[contains(concat(' ', normalize-space(@class), ' '), ' bypostauthor ')]"
# the element naming a comment's author: hCard's "fn", else "comment-author"/"comment_author"
_COMMENT_AUTHOR_XPATHS = (
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' fn ')]",
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' comment-author ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' comment_author ')]")


def _post_author_comment(root: Any, meta: PageMetadata) -> None:
    """The name of the post's author as their own comment shows it (source
    ``post-author-comment``): the first text of the name element of the first comment classed
    ``bypostauthor`` ("<cite class="fn">jdoe</cite> says:")."""
    for comment in root.xpath(_BY_POST_AUTHOR)[:1]:
        for path in _COMMENT_AUTHOR_XPATHS:
            found = comment.xpath(path)
            if found:
                text = next((t.strip() for t in found[0].itertext() if t.strip()), "")
                if 2 <= len(text) <= 60:
                    meta.add("authors", text, "post-author-comment")
                break


# --------------------------------------------------------------------------- headline
# Classes that hide an element from sighted readers (text kept for screen readers only).
_HIDDEN_CLASS = re.compile(r"element-invisible|visually-?hidden|sr-only|screen-reader",
                           re.IGNORECASE)
# Classes of a kicker (topic line) printed inside the <h1> before the headline itself.
_KICKER_CLASS = re.compile(r"kicker|dach|overline|topline|super|sub-?title|subheadline|"
                           r"topic|label|eyebrow|roofline|rubri|spitzmarke|category|small",
                           re.IGNORECASE)
# The class of the headline part after a kicker ("headline", "article__headline"; not
# "subheadline")
_HEADLINE_CLASS = re.compile(r"(?:^|[\s_-])headline(?:$|[\s_-])", re.IGNORECASE)


_BREAKING_TAGS = frozenset({"br", "div", "p", "small", "h2", "h3", "h4"})
# elements whose text is code, not shown (CSS-in-JS frameworks put <style> inside headings)
_NO_TEXT_TAGS = frozenset({"style", "script", "noscript", "template"})


def _shown_text(el: Any) -> str:
    """The text of ``el`` without its visually hidden descendants, on one line."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node is not el and (node.tag in _NO_TEXT_TAGS or _HIDDEN_CLASS.search(
                str(node.get("class") or ""))):
            return
        block = node.tag in _BREAKING_TAGS
        if block:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(" ")

    walk(el)
    return " ".join("".join(parts).split())


# An inline style or attribute that hides an element until a script shows it (a login
# dialog, a menu drawer)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def hidden_by_style(el: Any) -> bool:
    """Whether ``el`` itself is hidden by its inline style or the ``hidden`` attribute."""
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(str(el.get("style") or "")))


def _hidden(el: Any) -> bool:
    """Whether ``el`` or an ancestor is hidden by an inline style or the ``hidden``
    attribute."""
    return any(hidden_by_style(a) for a in (el, *el.iterancestors()))


# A class that hides an element from sight but keeps its place or its text for screen
# readers ("invisible", "visually-hidden", "sr-only")
_UNSEEN_CLASS = re.compile(r"(?:^|[\s_-])invisible(?:$|[\s_-])", re.IGNORECASE)


def _unseen_separator(el: Any) -> bool:
    """Whether ``el`` is a separator the page does not show (``aria-hidden``, or a class that
    hides it): ``<span aria-hidden="true"> – </span>`` or ``<span class="invisible">: </span>``
    between a kicker and the headline, for screen readers and copied text only."""
    cls = str(el.get("class") or "")
    hidden = str(el.get("aria-hidden") or "").lower() == "true" or bool(
        _HIDDEN_CLASS.search(cls) or _UNSEEN_CLASS.search(cls))
    return hidden and len((el.text_content() or "").split()) <= 1


def _kicker(h1: Any) -> str:
    """The kicker at the start of ``h1`` (or of an ``<h2>`` headline): its first child, when
    that is a block, is followed by a line break, a separator hidden from sight or a part
    classed as the headline, or is classed as a kicker, and more words follow it; else ""."""
    node = h1
    while True:  # unwrap <h1><a>...</a></h1> and similar single wrappers
        kids = [k for k in node if isinstance(k.tag, str)]
        if len(kids) == 1 and not (node.text or "").strip() and \
                not (kids[0].tail or "").strip():
            node = kids[0]
            continue
        break
    kids = [k for k in node if isinstance(k.tag, str) and k.tag not in _NO_TEXT_TAGS]
    if (node.text or "").strip() or len(kids) < 2 and not (kids and (kids[0].tail or "").strip()):
        return ""
    first = kids[0]
    text = _shown_text(first)
    if not text or len(text) > 120:
        return ""
    follower = first.getnext()
    follower_marks = follower is not None and (
        follower.tag == "br" or _unseen_separator(follower) or
        bool(_HEADLINE_CLASS.search(str(follower.get("class") or ""))))
    marked = (first.tag in ("div", "small", "p") or follower_marks or
              bool(_KICKER_CLASS.search(str(first.get("class") or ""))))
    whole = _shown_text(node)
    rest = whole[len(text):] if whole.startswith(text) else ""
    if not marked or len(rest.split()) < 2:
        return ""
    return text


_CRUMBS = re.compile(r"bread-?crumb", re.IGNORECASE)


def _in_crumbs(el: Any) -> bool:
    """Whether ``el`` sits in a breadcrumb trail (an ancestor's class or id says so): some
    sites print the page's name there as its <h1>."""
    return any(_CRUMBS.search(f"{a.get('class') or ''} {a.get('id') or ''}")
               for a in el.iterancestors())


def _near(first: Any, other: Any) -> bool:
    """Whether ``other`` sits in the same block as ``first`` (their parents or grandparents
    are the same element)."""
    def up(el: Any, n: int) -> list[Any]:
        out = []
        for _ in range(n):
            el = el.getparent()
            if el is None:
                break
            out.append(el)
        return out

    mine = up(first, 2)
    return any(a is b for a in mine for b in up(other, 2))


# A link to the site's home page: "/", "https://example.org", an archived copy of either
_HOME_LINK = re.compile(r"^(?:(?:https?:)?//[^/?#]+/?|/)(?:[?#].*)?$|"
                        r"^(?:https?://web\.archive\.org)?/web/\d+/https?://[^/?#]+/?$",
                        re.IGNORECASE)
# a class or id word (between "-", "_" or spaces) naming the site's logo or name
_LOGO_CLASS = re.compile(r"(?:^|[\s_-])(?:logo|brand|branding|site[-_]?title|site[-_]?name|"
                         r"blog[-_]?title|blog[-_]?name)(?:$|[\s_-])", re.IGNORECASE)


def _is_logo(h1: Any) -> bool:
    """Whether an ``<h1>`` is the site's logo or name (its link goes to the home page, or
    its class says so), not a headline."""
    if _LOGO_CLASS.search(f"{h1.get('class') or ''} {h1.get('id') or ''}"):
        return True
    links = [a for a in h1.iter("a") if a.get("href") is not None]
    return bool(links) and all(_HOME_LINK.match(str(a.get("href")).strip()) for a in links)


# --------------------------------------------------------------------------- entry point
def extract_metadata(doc: Any) -> PageMetadata:
    """Collect every metadata value of the page ``doc`` (an lxml HTML tree, not modified)."""
    meta = PageMetadata()
    if doc is None:
        return meta
    root = doc.getroottree().getroot() if hasattr(doc, "getroottree") else doc
    meta.html_lang = str(root.get("lang") or root.get("xml:lang") or "").strip()
    if meta.html_lang:
        meta.add("language", meta.html_lang, "html")

    scripts: list[str] = []
    twitter_labels: dict[str, str] = {}
    twitter_data: dict[str, str] = {}
    for el in root.iter("script", "meta", "link"):
        tag = el.tag
        if tag == "script":
            kind = str(el.get("type") or "").lower()
            if "ld+json" in kind and el.text:
                scripts.append(el.text)
        elif tag == "meta":
            key = str(el.get("property") or el.get("name") or el.get("itemprop")
                      or el.get("http-equiv") or "").strip().lower()
            content = el.get("content")
            if not key or content is None:
                continue
            content = str(content)
            mapped = _META_MAP.get(key)
            if mapped is not None:
                fname, source = mapped
                if fname == "tags" and source in ("meta", "dc"):
                    for part in re.split(r"[,;]", content):
                        meta.add("tags", part, source)
                elif fname == "authors" and source == "article" and content.startswith(
                        ("http://", "https://", "www.")):
                    continue  # a profile link, not a name
                elif fname == "publishers" and content.startswith(("http://", "https://")):
                    continue
                else:
                    meta.add(fname, content, source)
            elif key.startswith("twitter:label"):
                twitter_labels[key[len("twitter:label"):]] = content
            elif key.startswith("twitter:data"):
                twitter_data[key[len("twitter:data"):]] = content
        elif tag == "link":
            rel = str(el.get("rel") or "").lower().split()
            href = el.get("href")
            if "canonical" in rel and href:
                meta.add("canonical", str(href), "html")
    for idx, label in twitter_labels.items():
        if _WRITTEN_BY.match(label.strip()) and idx in twitter_data:
            meta.add("authors", twitter_data[idx], "twitter")

    _jsonld(scripts, meta)
    _microdata(doc, meta)

    # <time datetime>: one marked as the publication time, else the first inside <article>,
    # else the page's only <time> outside comments (its datetime, else its text:
    # "<time>31.03.2020</time>"; source "time:only", kept when the page writes its day)
    every_time = list(root.iter("time"))
    times = [t for t in every_time if t.get("datetime") is not None and (
        t.get("pubdate") is not None or
        any(w in str(t.get("class") or "") for w in ("publish", "entry-date", "post-date")))]
    if every_time and not times:
        # a comment is often an <article> of its own ("comment-body"): its time is not the
        # page's
        times = [t for t in every_time if t.get("datetime") is not None and any(
            a.tag in ("article", "main") for a in t.iterancestors()) and not _in_comment(t)]
    for el in times[:1]:
        meta.add("published", str(el.get("datetime")), "time")
    meta.foreign_dates.extend(str(t.get("datetime")) for t in every_time
                              if t.get("datetime") is not None and _in_comment(t))
    if not times and len(every_time) == 1 and not _in_comment(every_time[0]):
        meta.add("published", str(every_time[0].get("datetime") or
                                  " ".join(every_time[0].text_content().split())), "time:only")

    _links(root, meta)
    bylines: list[Any] = []
    for el in root.xpath(_BYLINE_XPATH)[:20]:
        text = " ".join(el.text_content().split())
        if BYLINE_FIRST_LINE and el.find(".//p") is not None:
            # an author box: the name, then paragraphs of bio and links ("Jane Doe" +
            # "Writes about search engines" + "Message"): its first line
            text = next((line for line in _block_lines(el) if line), text)
        if BYLINE_NOT_IN_CARD and any(
                len(" ".join(a.text_content().split())) > len(text) + 40
                for a in el.iterancestors("a")):
            continue  # a link to another article, its byline inside ("teaser card")
        # further bylines count only beside the first one (co-authors), not elsewhere on
        # the page (teasers of other articles, a sister site's link)
        if 2 <= len(text) <= 80 and (not bylines or _near(bylines[0], el)):
            meta.add("authors", text, "byline")
            bylines.append(el)
            if len(bylines) == 3:
                break
    _text_bylines(root, meta)
    if DATE_NAME_LINES:
        _date_name_lines(root, meta)
    first_classed: Any = None
    found = 0
    for el in root.xpath(_AUTHOR_CLASS_XPATH)[:30]:
        # "Jane Doe, 01.12.2021": the name and the day of a date-author line
        text = _NUMERIC_DATE_TAIL.sub("", " ".join(el.text_content().split()))
        if 2 <= len(text) <= 60 and (all(
                _FULL_NAME.fullmatch(part) for part in _NAME_LIST.split(text)) or
                _BY_USER.fullmatch(text)) and (
                first_classed is None or _near(first_classed, el)):
            meta.add("authors", text, "author-class")
            first_classed = first_classed if first_classed is not None else el
            found += 1
            if found == 3:
                break
    if USERNAME_CLASS:
        _username(root, meta)
    if USER_DATE_LINES:
        _user_date_lines(root, meta)
    if POST_AUTHOR_COMMENT:
        _post_author_comment(root, meta)
    h1 = []
    for h in root.xpath("//h1"):
        text = _shown_text(h)
        if text and _hidden(h):
            continue  # a closed login dialog's or menu's heading, not the page's
        if text and _is_logo(h):
            meta.add("site_name", text, "html")
        elif text:
            h1.append(h)
    # the same <h1> printed twice (a mobile and a desktop layout) is one headline
    meta.h1_texts = list(dict.fromkeys(_shown_text(h) for h in h1))[:20]
    meta.h1_elements = h1[:20]
    h2s = root.xpath("//h2")[:30]
    meta.h2_texts = [t for t in dict.fromkeys(_shown_text(h) for h in h2s) if t][:20]
    if len(meta.h1_texts) == 1:
        meta.add("title", _shown_text(h1[0]), "html")
    in_main = [h for h in h1 if h.xpath("ancestor::article|ancestor::main|"
                                        "ancestor::*[@role='main']")]
    headline = in_main[:1] or (h1[:1] if len(meta.h1_texts) == 1 else [])
    if headline:
        meta.headline_h1 = _shown_text(headline[0])
        meta.headline_element = headline[0]
        meta.headline_kicker = _kicker(headline[0])
        if _in_crumbs(headline[0]):
            for h2 in h2s:
                if not _in_crumbs(h2) and not _hidden(h2) and (kicker := _kicker(h2)):
                    meta.crumb_h2_headlines.append((_shown_text(h2), kicker))
    meta.sort()
    return meta
