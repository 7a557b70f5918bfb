"""newspaper3k on fetched HTML: the only module that imports newspaper.

The parser never touches the network: ``fetch_images`` is off, the HTML we fetched is passed in
(``download(input_html=...)``) and tldextract is pointed at its bundled suffix list before
newspaper imports it. Its exceptions are translated into :mod:`worker.errors` here.
"""

from __future__ import annotations

import functools
import os
import re
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

# tldextract (imported by newspaper) would fetch the public suffix list over the network,
# and hangs for ever on a black-holed network; this must be set before it is imported.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import dateutil.parser  # noqa: E402
import lxml.html  # noqa: E402
import newspaper  # noqa: E402
import newspaper.cleaners  # noqa: E402
import newspaper.extractors  # noqa: E402
import newspaper.parsers  # noqa: E402
import newspaper.text  # noqa: E402
import tldextract  # noqa: E402
from lxml import etree  # noqa: E402
from lxml.cssselect import CSSSelector  # noqa: E402

from worker.dates import DATEUTIL_TZINFOS  # noqa: E402
from worker.errors import PermanentError  # noqa: E402

tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


# -- faster equivalents of newspaper3k's hottest DOM helpers ------------------------------------
# Profiling newspaper3k 0.2.8 on real pages: about half of Article.parse() is spent in three
# Parser helpers that evaluate a freshly compiled XPath for every call, one of them calling back
# into Python for every element (EXSLT ``re:test``). These replacements return the same
# elements in the same (document) order; ``tests/test_parse.py`` checks the parse results are
# identical to the original helpers' on every page of the corpus (when present) and on the
# bundled samples.

_RE_TEST = re.compile(r"^//\*\[re:test\(@(\w+), '(.*)', 'i'\)\]$", re.DOTALL)
_original_xpath_re = newspaper.parsers.Parser.xpath_re
_original_by_tag = newspaper.parsers.Parser.getElementsByTag
_original_by_tags = newspaper.parsers.Parser.getElementsByTags
_original_css_select = newspaper.parsers.Parser.css_select
_original_clean_bad_tags = newspaper.cleaners.DocumentCleaner.clean_bad_tags


def _icase_search(pattern: str) -> Callable[[str], bool]:
    """Whether ``re.search(pattern, value, re.IGNORECASE)`` finds something, about 4x faster
    for ASCII values: an ASCII pattern without escapes or character classes, lowered, finds in
    the lowered value exactly what the case-insensitive pattern finds in the value (checked on
    20,000 class and id values of real pages). Other patterns and values take the slow path."""
    slow = re.compile(pattern, re.IGNORECASE).search
    if not pattern.isascii() or "\\" in pattern or "[" in pattern:
        return lambda value: slow(value) is not None
    fast = re.compile(pattern.lower()).search

    def search(value: str) -> bool:
        if value.isascii():
            return fast(value.lower()) is not None
        return slow(value) is not None

    return search


class _AttrTest:
    """``//*[re:test(@attr, pattern, 'i')]`` as one pass over the elements in Python.

    (With the proxies kept alive, see ``use_pinned_proxies``, walking every element and
    reading the attribute is about twice as fast as an XPath selecting those with it.)

    Pages repeat the same class and id values many times (and across pages), so each distinct
    value is searched once; the memo is emptied when it grows past ``_MEMO_SIZE`` values.
    """

    def __init__(self, attr: str, pattern: str) -> None:
        self.attr = attr
        self._search = _icase_search(pattern)
        self._memo: dict[str, bool] = {}

    def matches(self, value: str) -> bool:
        found = self._memo.get(value)
        if found is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            found = self._memo[value] = self._search(value)
        return found

    def __call__(self, node: Any) -> list[Any]:
        attr, matches = self.attr, self.matches
        return [el for el in node.getroottree().getroot().iter(etree.Element)
                if (value := el.get(attr)) is not None and matches(value)]


_MEMO_SIZE = 20_000
_SIMPLE_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


@functools.lru_cache(maxsize=64)
def _attr_test(expression: str) -> _AttrTest | None:
    match = _RE_TEST.match(expression)
    if match is None:
        return None
    return _AttrTest(match.group(1), match.group(2))


def _xpath_re(cls: Any, node: Any, expression: str) -> list[Any]:
    """``//*[re:test(@attr, 'pattern', 'i')]`` without a Python callback per element."""
    test = _attr_test(expression)
    if test is None:
        return list(_original_xpath_re(node, expression))
    return test(node)


def _by_tag(cls: Any, node: Any, tag: str | None = None, attr: str | None = None,
            value: str | None = None, childs: bool = False, use_regex: bool = False) -> list[Any]:
    """``descendant-or-self::tag`` without attribute tests, through lxml's C iterator."""
    if attr and value and not use_regex and _SIMPLE_NAME.match(attr):
        elems = _attr_contains(tag or "*", attr, value)(node)
    elif attr and value:
        elems = _compiled_by_tag(tag or "*", attr, value, use_regex)(node)
    else:
        elems = list(node.iter(tag) if tag else node.iter(etree.Element))
    if (tag or childs) and elems and elems[0] is node:
        del elems[0]
    return elems


@functools.lru_cache(maxsize=512)
def _compiled_by_tag(tag: str, attr: str, value: str, use_regex: bool) -> etree.XPath:
    """The XPath newspaper3k builds for an attribute test, compiled once instead of per call."""
    selector = f"descendant-or-self::{tag}"
    if use_regex:
        return etree.XPath(f'{selector}[re:test(@{attr}, "{value}", "i")]',
                           namespaces={"re": "http://exslt.org/regular-expressions"})
    trans = f'translate(@{attr}, "{string.ascii_uppercase}", "{string.ascii_lowercase}")'
    return etree.XPath(f'{selector}[contains({trans}, "{value.lower()}")]')


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class _AttrContains:
    """``tag[contains(translate(@attr, A-Z, a-z), value)]``: lxml selects the elements that
    have the attribute (few do), the ASCII-lowercased containment is tested in Python."""

    def __init__(self, tag: str, attr: str, value: str) -> None:
        self.attr = attr
        self.needle = value.lower()
        self._having = etree.XPath(f"descendant-or-self::{tag}[@{attr}]")

    def __call__(self, node: Any) -> list[Any]:
        attr, needle = self.attr, self.needle
        return [el for el in self._having(node) if needle in el.get(attr).translate(_ASCII_LOWER)]


@functools.lru_cache(maxsize=512)
def _attr_contains(tag: str, attr: str, value: str) -> _AttrContains:
    return _AttrContains(tag, attr, value)


@functools.lru_cache(maxsize=256)
def _css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")  # as HtmlElement.cssselect does


def _css_select(cls: Any, node: Any, selector: str) -> list[Any]:
    """``node.cssselect(selector)`` with the CSS-to-XPath translation done once per selector."""
    return list(_css(selector)(node))


def _by_tags(cls: Any, node: Any, tags: list[str]) -> list[Any]:
    """``descendant::*[self::a or self::b ...]`` through lxml's C iterator."""
    elems = list(node.iter(*tags))
    if elems and elems[0] is node:
        del elems[0]
    return elems


_ARTICLE_MARKS = etree.XPath('//article|//*[@id="article"]|//*[@itemprop="articleBody"]')


def _holders(marks: list[Any]) -> set[Any]:
    """The elements with one of ``marks`` among their descendants."""
    return {anc for mark in marks for anc in mark.iterancestors()}


def _clean_bad_tags(self: Any, doc: Any) -> Any:
    """DocumentCleaner.clean_bad_tags: "naughty" ids, classes and names go, unless the node
    holds an article (``self.contains_article``).

    The original evaluates ``contains_article`` under every matching node; here the holders
    of article marks are found once. Removing a node never touches a mark below it (it has
    none), but the node may be a mark itself (an ``id="article"`` with a naughty class): its
    ancestors are then found again, as the original's later XPath would see them.
    """
    passes = [self.parser.xpath_re(doc, expression)
              for expression in (self.nauthy_ids_re, self.nauthy_classes_re, self.nauthy_names_re)]
    return _remove_bad_tags(self, doc, passes)


def _remove_bad_tags(self: Any, doc: Any, passes: list[list[Any]]) -> Any:
    """clean_bad_tags given the nodes each of its three passes finds (a later pass's list may
    hold nodes already gone with an ancestor: they are skipped, as a later XPath would)."""
    marks = _ARTICLE_MARKS(doc)
    holders = _holders(marks)
    root = doc.getroottree().getroot()
    for i, nodes in enumerate(passes):
        for node in nodes if i == 0 else [n for n in nodes if _in_tree(n, root)]:
            if node not in holders:
                self.parser.remove(node)
                if node in marks:
                    marks = _ARTICLE_MARKS(doc)
                    holders = _holders(marks)
    return doc


# -- newspaper3k's text and stopword helpers without repeated work -----------------------------
# The cleaner's div_to_para and the extractor's calculate_best_node gather a node's text and
# count its stopwords many times over (twice per candidate paragraph, again for every preceding
# sibling in is_boostable), each time building a punctuation table and running a regex.
_original_get_text = newspaper.parsers.Parser.getText
_original_stopword_count = newspaper.text.StopWords.get_stopword_count
_original_calculate_best_node = newspaper.extractors.ContentExtractor.calculate_best_node
_original_div_to_para = newspaper.cleaners.DocumentCleaner.div_to_para
_original_clean = newspaper.cleaners.DocumentCleaner.clean
_PUNCTUATION = {ord(c): None for c in string.punctuation}
_BASE_STOPWORDS = newspaper.text.StopWords


def _get_text(cls: Any, node: Any) -> str:
    """Parser.getText: the node's text pieces joined by spaces, whitespace runs collapsed.

    (innerTrim's ``[\\s\\t]+`` -> ' ' and strip is what ``str.split`` and a join do; no line
    break survives it, so its ``splitlines`` join changes nothing.)
    """
    return " ".join(" ".join(node.itertext()).split())


class _StopwordCounts:
    """StopWords.get_stopword_count for the plain (space-separated) languages, memoised.

    Callers only read the returned WordStats; the same text gets the same (shared) object.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[int, str], Any] = {}

    def __call__(self, stopwords: Any, content: str) -> Any:
        if type(stopwords) is not _BASE_STOPWORDS:  # zh, ar, ko split words their own way
            return _original_stopword_count(stopwords, content)
        if not content:
            return newspaper.text.WordStats()
        key = (id(stopwords.STOP_WORDS), content)
        stats = self._memo.get(key)
        if stats is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            words = content.translate(_PUNCTUATION).lower().split(" ")
            known = stopwords.STOP_WORDS
            found = [w for w in words if w in known]
            stats = newspaper.text.WordStats()
            stats.set_word_count(len(words))
            stats.set_stopword_count(len(found))
            stats.set_stop_words(found)
            self._memo[key] = stats
        return stats


_stopword_counts = _StopwordCounts()


def _get_stopword_count(self: Any, content: str) -> Any:
    return _stopword_counts(self, content)


def _calculate_best_node(self: Any, doc: Any) -> Any:
    """ContentExtractor.calculate_best_node with each node's text and stopword count found once.

    Nothing in it changes a text (it only writes the gravity attributes), so the text of a
    node is the same at every look; the scoring is the original's, step for step.
    """
    parser = self.parser
    stopwords = self.stopwords_class(language=self.language)
    texts: dict[Any, str] = {}

    def count(node: Any) -> int:
        text = texts.get(node)
        if text is None:
            text = texts[node] = parser.getText(node)
        return int(stopwords.get_stopword_count(text).get_stopword_count())

    def boostable(node: Any) -> bool:  # is_boostable
        steps_away = 0
        for sibling in parser.previousSiblings(node):
            if parser.getTag(sibling) == "p":
                if steps_away >= 3:
                    return False
                if count(sibling) > 5:
                    return True
                steps_away += 1
        return False

    nodes_with_text = [node for node in self.nodes_to_check(doc)
                       if count(node) > 2 and not self.is_highlink_density(node)]
    nodes_number = len(nodes_with_text)
    bottom_negativescore_nodes = float(nodes_number) * 0.25
    starting_boost = 1.0
    parent_nodes: list[Any] = []
    seen: set[Any] = set()
    for i, node in enumerate(nodes_with_text):
        boost_score = 0.0
        if boostable(node):
            boost_score = float((1.0 / starting_boost) * 50)
            starting_boost += 1
        if nodes_number > 15 and (nodes_number - i) <= bottom_negativescore_nodes:
            booster = float(bottom_negativescore_nodes - (nodes_number - i))
            boost_score = float(-pow(booster, 2.0))
            if abs(boost_score) > 40:  # (the original's negative_scoring stays 0)
                boost_score = 5.0
        upscore = int(count(node) + boost_score)
        parent_node = parser.getParent(node)
        self.update_score(parent_node, upscore)
        self.update_node_count(parent_node, 1)
        if parent_node not in seen:
            seen.add(parent_node)
            parent_nodes.append(parent_node)
        grandparent = parser.getParent(parent_node)
        if grandparent is not None:
            self.update_node_count(grandparent, 1)
            self.update_score(grandparent, upscore / 2)
            if grandparent not in seen:
                seen.add(grandparent)
                parent_nodes.append(grandparent)
    top_node = None
    top_node_score: Any = 0
    for e in parent_nodes:
        score = self.get_score(e)
        if score > top_node_score:
            top_node, top_node_score = e, score
        if top_node is None:
            top_node = e
    return top_node


_PARA_HOLDERS = ("a", "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul")


def _holds_para(node: Any) -> bool:
    """Whether ``node`` has a descendant (not itself) that div_to_para keeps as a block."""
    return any(el is not node for el in node.iter(*_PARA_HOLDERS))


def _div_to_para(self: Any, doc: Any, dom_type: str) -> Any:
    """DocumentCleaner.div_to_para, asking only whether a block descendant exists."""
    for div in self.parser.getElementsByTag(doc, tag=dom_type):
        if not _holds_para(div):
            self.replace_with_para(doc, div)
            continue
        replace_nodes = [n for n in self.get_replacement_nodes(doc, div) if n is not None]
        attrib = dict(div.attrib)
        div.clear()
        for i, node in enumerate(replace_nodes):
            div.insert(i, node)
        for name, value in attrib.items():
            div.set(name, value)
    return doc


class _NodeRegexes:
    """The cleaner's remove_nodes_regex passes (each pattern on @id, then on @class) in one walk.

    Attributes never change between the passes, only nodes go, so the walk notes for each
    element the first pass that would remove it; the passes are then replayed in their order,
    each removing its nodes in document order, skipping those already gone with an ancestor
    (the original's later pass no longer sees them). Each distinct value is tested once.
    """

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self._tests = [_icase_search(p) for p in patterns]
        self._memo: dict[tuple[int, str], int] = {}

    def first_pass(self, which: int, value: str) -> int:
        key = (which, value)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            found = next((2 * k + which for k, search in enumerate(self._tests)
                          if search(value)), -1)
            self._memo[key] = found
        return found

    def new_passes(self) -> list[list[Any]]:
        return [[] for _ in range(2 * len(self._tests))]

    def __call__(self, parser: Any, doc: Any) -> None:
        root = doc.getroottree().getroot()
        passes = self.new_passes()
        first_pass = self.first_pass
        for el in root.iter(etree.Element):
            found = -1
            value = el.get("id")
            if value is not None:
                found = first_pass(0, value)
            value = el.get("class")
            if value is not None:
                by_class = first_pass(1, value)
                if by_class >= 0 and (found < 0 or by_class < found):
                    found = by_class
            if found >= 0:
                passes[found].append(el)
        self.replay(parser, root, passes)

    @staticmethod
    def replay(parser: Any, root: Any, passes: list[list[Any]]) -> None:
        for nodes in passes:
            for node in nodes:
                if _in_tree(node, root):  # not gone with an ancestor in an earlier pass
                    parser.remove(node)


def _in_tree(node: Any, root: Any) -> bool:
    """Whether ``node`` is below ``root`` (the root itself has no parent to be removed from)."""
    parent = node.getparent()
    while parent is not None and parent is not root:
        parent = parent.getparent()
    return parent is root


@functools.lru_cache(maxsize=8)
def _node_regexes(patterns: tuple[str, ...]) -> _NodeRegexes:
    return _NodeRegexes(patterns)


def _clean(self: Any, doc_to_clean: Any) -> Any:
    """DocumentCleaner.clean, clean_bad_tags' three passes and the twelve remove_nodes_regex
    passes (six patterns, each on @id then @class) done as one walk over the elements."""
    doc = self.clean_body_classes(doc_to_clean)
    doc = self.clean_article_tags(doc)
    doc = self.clean_em_tags(doc)
    doc = self.remove_drop_caps(doc)
    doc = self.remove_scripts_styles(doc)
    regexes = _node_regexes((self.caption_re, self.google_re, self.entries_re,
                             self.facebook_re, self.facebook_braodcasting_re, self.twitter_re))
    naughty = [_attr_test(e) for e in (self.nauthy_ids_re, self.nauthy_classes_re,
                                       self.nauthy_names_re)]
    if self.clean_bad_tags != _clean_bad_tags.__get__(self) or None in naughty:
        doc = self.clean_bad_tags(doc)
        regexes(self.parser, doc)
    else:  # both in one walk over the elements: attributes do not change, only nodes go
        root = doc.getroottree().getroot()
        bad: list[list[Any]] = [[], [], []]
        passes = regexes.new_passes()
        first_pass = regexes.first_pass
        by_id, by_class, by_name = (t.matches for t in naughty if t is not None)
        for el in root.iter(etree.Element):
            found = -1
            value = el.get("id")
            if value is not None:
                if by_id(value):
                    bad[0].append(el)
                found = first_pass(0, value)
            value = el.get("class")
            if value is not None:
                if by_class(value):
                    bad[1].append(el)
                by_cls = first_pass(1, value)
                if by_cls >= 0 and (found < 0 or by_cls < found):
                    found = by_cls
            value = el.get("name")
            if value is not None and by_name(value):
                bad[2].append(el)
            if found >= 0:
                passes[found].append(el)
        _remove_bad_tags(self, doc, bad)
        regexes.replay(self.parser, root, passes)
    doc = self.clean_para_spans(doc)
    doc = self.div_to_para(doc, "div")
    doc = self.div_to_para(doc, "span")
    return self.div_to_para(doc, "section")


# newspaper3k parses with lxml.html's default parser, whose element class lookup is a Python
# callback run for every element proxy lxml creates (thousands a page, in newspaper3k, the
# metadata pass, trafilatura and htmldate, which all work on copies of this tree). A parser
# whose lookup is lxml's own C default, giving every element the HtmlElement class, avoids
# that. The only difference: form, input, select, textarea and label elements are plain
# HtmlElements rather than lxml.html's form subclasses, whose form-handling extras nothing here
# uses (the records of the 990 corpus pages are identical).
_original_fromstring = newspaper.parsers.Parser.fromstring
_XML_DECLARATION = re.compile(r"^\<\?.*?\?\>", re.DOTALL)
_parsers = threading.local()


def _html_parser() -> lxml.html.HTMLParser:
    """This thread's HTML parser (lxml parsers are not shared between threads)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = lxml.html.HTMLParser()
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


def _fromstring(cls: Any, html: Any) -> Any:
    """newspaper3k's ``Parser.fromstring`` with :func:`_html_parser`."""
    html = cls.get_unicode_html(html)
    try:
        if html.startswith("<?"):  # lxml refuses a string with an XML declaration
            html = _XML_DECLARATION.sub("", html)
        cls.doc = lxml.html.fromstring(html, parser=_html_parser())
    except Exception:  # noqa: BLE001 - as newspaper3k: an unparseable page has no tree
        return None
    return cls.doc


def use_fast_dom_helpers(enabled: bool = True) -> None:
    """Install (or, for comparison, remove) the faster helpers on newspaper3k's Parser."""
    parser = newspaper.parsers.Parser
    parser.xpath_re = classmethod(_xpath_re) if enabled else _original_xpath_re
    parser.getElementsByTag = classmethod(_by_tag) if enabled else _original_by_tag
    parser.getElementsByTags = classmethod(_by_tags) if enabled else _original_by_tags
    parser.css_select = classmethod(_css_select) if enabled else _original_css_select
    newspaper.cleaners.DocumentCleaner.clean_bad_tags = (  # type: ignore[method-assign]
        _clean_bad_tags if enabled else _original_clean_bad_tags)
    parser.getText = classmethod(_get_text) if enabled else _original_get_text
    parser.fromstring = classmethod(_fromstring) if enabled else _original_fromstring
    newspaper.text.StopWords.get_stopword_count = (  # type: ignore[method-assign]
        _get_stopword_count if enabled else _original_stopword_count)
    extractor = newspaper.extractors.ContentExtractor
    extractor.calculate_best_node = (  # type: ignore[method-assign]
        _calculate_best_node if enabled else _original_calculate_best_node)
    cleaner = newspaper.cleaners.DocumentCleaner
    cleaner.div_to_para = _div_to_para if enabled else _original_div_to_para  # type: ignore[method-assign]
    cleaner.clean = _clean if enabled else _original_clean  # type: ignore[method-assign]


use_fast_dom_helpers()


# -- a deterministic top image ------------------------------------------------------------------
# Without a meta image (og:image, link rel=image_src, ...) newspaper3k 0.2.8 takes "the first
# image" of the article's top node as ``list(set_of_urls)[0]``: an arbitrary one of its images,
# different from one process to the next (string hashes are salted per process). Ours is the
# first ``<img src>`` of the top node in document order, as the method's docstring intends.
_original_first_img_url = newspaper.extractors.ContentExtractor.get_first_img_url


def _first_img_url(self: Any, article_url: str, top_node: Any) -> str:
    """The first image of ``top_node`` in document order, as an absolute URL ('' if none)."""
    for img in self.parser.getElementsByTag(top_node, tag="img"):
        src = img.get("src")
        if src:
            return urljoin(article_url, urljoin(article_url, src))
    return ""


newspaper.extractors.ContentExtractor.get_first_img_url = _first_img_url  # type: ignore[method-assign]


# -- time-zone abbreviations in newspaper3k's dates -------------------------------------------
# newspaper3k reads a date with dateutil's parser and no zone names: "Mon Oct 11 14:57:21 CEST
# 2021" came out naive (the zone dropped, with an UnknownTimezoneWarning). The abbreviations
# worker.dates knows are passed to it, so such a value keeps its zone.
def _date_parser(text: str) -> datetime:
    """dateutil's ``parse`` with the zone abbreviations of :mod:`worker.dates`."""
    return dateutil.parser.parse(text, tzinfos=DATEUTIL_TZINFOS)


newspaper.extractors.date_parser = _date_parser


# -- element proxies kept alive for the whole page -----------------------------------------------
# lxml creates a Python proxy for an element when Python first sees it and frees it with the
# last reference; every later pass over the tree (newspaper3k's cleaner and scorer, the metadata
# pass, trafilatura, htmldate) then builds the proxies again, each through lxml.html's class
# lookup, a Python callback. Holding a reference to every node of both of newspaper3k's trees
# while the page is processed makes lxml hand out the existing proxies instead. A kept proxy
# keeps its class when its tag is renamed; newspaper3k renames only div, span and section
# elements (to p), whose class (HtmlElement) is the same before and after.
_pin_proxies = True


def use_pinned_proxies(enabled: bool = True) -> None:
    """Keep (or, for comparison, do not keep) every node's proxy alive while a page is parsed."""
    global _pin_proxies
    _pin_proxies = enabled


def _pin_trees(article: newspaper.Article, doc_pins: list[Any], work_pins: list[Any]) -> None:
    """Make newspaper3k's first look at ``clean_doc`` keep all proxies of both trees alive.

    ``Article.parse`` parses the page into ``doc``, copies it to ``clean_doc`` and then asks
    for the title; by then both trees exist and no pass over them has run yet.
    """
    get_title = article.extractor.get_title

    def pinning_get_title(doc: Any) -> Any:
        doc_pins.extend(doc.iter())
        if article.doc is not None:
            work_pins.extend(article.doc.iter())
        return get_title(doc)

    article.extractor.get_title = pinning_get_title

__all__ = ["ParsedPage", "parse_html", "EXTRACTOR_NAME"]

EXTRACTOR_NAME = f"newspaper3k/{newspaper.__version__}"


@dataclass
class ParsedPage:
    """What newspaper3k found, plus its lxml tree for the metadata pass (parsed once).

    ``doc`` is the page as parsed, before newspaper3k's cleaner ran (newspaper keeps it as
    ``clean_doc``; its ``doc`` has scripts, JSON-LD and "social" blocks removed). Consumers
    must not modify it: it is shared by the metadata pass and the second-opinion body.
    """

    title: str
    text: str
    authors: list[str]
    publish_date: datetime | None
    meta_lang: str
    meta_description: str
    meta_keywords: list[str]
    meta_site_name: str
    tags: list[str]
    canonical_link: str
    top_image: str
    images: list[str]
    meta_data: dict[str, Any]
    doc: Any = field(repr=False, default=None)
    # the first image of the article's body (newspaper3k's top node), '' if none: newspaper3k
    # takes a declared image first, and a favicon counts as one
    body_image: str = ""
    # every node proxy of ``doc`` (see ``use_pinned_proxies``): freed with the page
    pins: list[Any] = field(repr=False, default_factory=list)


def _config() -> newspaper.Config:
    cfg = newspaper.Config()
    cfg.fetch_images = False
    cfg.memoize_articles = False
    cfg.follow_meta_refresh = False
    cfg.MAX_TEXT = 10_000_000
    cfg.MAX_TITLE = 1000
    cfg.MAX_AUTHORS = 50
    cfg.MAX_KEYWORDS = 100
    return cfg


_CONFIG = _config()


def _og_site_name(meta: dict[str, Any]) -> str:
    og = meta.get("og")
    return str(og.get("site_name") or "") if isinstance(og, dict) else ""


def _no_authors(_doc: Any) -> list[str]:
    return []


def parse_html(html: str, url: str, *, authors: bool = True) -> ParsedPage:
    """Run newspaper3k over ``html`` as if it had been downloaded from ``url``.

    ``authors=False`` skips newspaper3k's author search (about a tenth of its time) for
    callers that do not use its guesses; ``ParsedPage.authors`` is then empty.
    """
    if not html or not html.strip():
        raise PermanentError("empty_body", "no HTML to parse")
    article = newspaper.Article(url, config=_CONFIG)
    doc_pins: list[Any] = []
    work_pins: list[Any] = []  # the tree newspaper3k cleans: released on return
    if _pin_proxies:
        _pin_trees(article, doc_pins, work_pins)
    if not authors:
        article.extractor.get_authors = _no_authors
    try:
        article.download(input_html=html)
        article.parse()
    except newspaper.ArticleException as exc:
        raise PermanentError("parse_error", f"newspaper3k could not parse the page: {exc}") \
            from exc
    except (ValueError, TypeError, AttributeError, IndexError, KeyError,
            RecursionError) as exc:
        raise PermanentError("parse_error", f"newspaper3k failed: {type(exc).__name__}: {exc}") \
            from exc
    if article.clean_doc is None:
        raise PermanentError("parse_error", "the HTML has no parseable document")
    return ParsedPage(
        title=article.title or "",
        text=article.text or "",
        authors=list(article.authors or []),
        publish_date=article.publish_date if isinstance(article.publish_date, datetime) else None,
        meta_lang=article.meta_lang or "",
        meta_description=article.meta_description or "",
        meta_keywords=[k for k in (article.meta_keywords or []) if k],
        meta_site_name=_og_site_name(article.meta_data),
        tags=sorted(article.tags or []),
        canonical_link=article.canonical_link or "",
        top_image=article.top_image or "",
        images=sorted(article.images or []),
        meta_data=dict(article.meta_data or {}),
        doc=article.clean_doc,
        pins=doc_pins,
        body_image=(article.extractor.get_first_img_url(url, article.clean_top_node)
                    if article.clean_top_node is not None else ""),
    )
