"""newspaper3k on fetched HTML: the only module that imports newspaper.

The parser never touches the network: ``fetch_images`` is off, the HTML we fetched is passed in
(``download(input_html=...)``) and tldextract is pointed at its bundled suffix list before
newspaper imports it. Its exceptions are translated into :mod:`worker.errors` here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# tldextract (imported by newspaper) would fetch the public suffix list over the network,
# and hangs for ever on a black-holed network; this must be set before it is imported.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import newspaper  # noqa: E402
import tldextract  # noqa: E402

from worker.errors import PermanentError  # noqa: E402

tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

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


def parse_html(html: str, url: str) -> ParsedPage:
    """Run newspaper3k over ``html`` as if it had been downloaded from ``url``."""
    if not html or not html.strip():
        raise PermanentError("empty_body", "no HTML to parse")
    article = newspaper.Article(url, config=_CONFIG)
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
    )
