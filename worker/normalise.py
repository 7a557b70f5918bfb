"""From newspaper3k's result to one clean :class:`schemas.ArticleRecord`.

``build_record`` is the single entry point used by the parse task, ``news-ingest extract``
and ``news-ingest fetch``: the same code path everywhere.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urljoin

from schemas import ArticleRecord
from worker.errors import PermanentError
from worker.parse import EXTRACTOR_NAME, ParsedPage, parse_html
from worker.urls import domain_of, normalize_url

__all__ = ["build_record", "extract_record", "clean_text", "content_hash"]

_WS = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_LANG = re.compile(r"^[a-z]{2}$")


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


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        item = _WS.sub(" ", item).strip()
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _absolute(base: str, link: str) -> str | None:
    link = (link or "").strip()
    if not link or link.startswith("data:"):
        return None
    absolute = urljoin(base, link)
    return absolute if absolute.startswith(("http://", "https://")) else None


def build_record(page: ParsedPage, *, url: str, final_url: str | None = None,
                 fetched_at: datetime | None = None,
                 http_status: int | None = None) -> ArticleRecord:
    base = final_url or url
    text = clean_text(page.text)
    meta = page.meta_data
    og = meta.get("og") if isinstance(meta.get("og"), dict) else {}
    art = meta.get("article") if isinstance(meta.get("article"), dict) else {}
    lang = (page.meta_lang or "").lower()[:2]
    canonical = _absolute(base, page.canonical_link)
    tags = _dedupe(list(page.tags) + [str(t) for t in page.meta_keywords])
    images = [a for a in (_absolute(base, i) for i in page.images) if a]
    return ArticleRecord(
        url=normalize_url(base),
        final_url=final_url,
        canonical_url=canonical,
        domain=domain_of(base),
        title=_WS.sub(" ", page.title).strip() or None,
        description=_WS.sub(" ", page.meta_description).strip() or None,
        text=text,
        authors=_dedupe(page.authors),
        published_at=_utc(page.publish_date),
        modified_at=None,
        language=lang if _LANG.match(lang) else None,
        tags=tags,
        section=(str(art.get("section")).strip() or None) if art.get("section") else None,
        publisher=(str(og.get("site_name")).strip() or None) if og.get("site_name") else None,
        top_image=_absolute(base, page.top_image),
        images=_dedupe(images),
        word_count=len(text.split()),
        content_hash=content_hash(text),
        fetched_at=_utc(fetched_at),
        http_status=http_status,
        extractor=EXTRACTOR_NAME,
        provenance={"text": EXTRACTOR_NAME},
    )


def extract_record(html: str, *, url: str, final_url: str | None = None,
                   fetched_at: datetime | None = None,
                   http_status: int | None = None) -> ArticleRecord:
    """Parse + normalise: HTML text in, article record out (or a classified error)."""
    page = parse_html(html, final_url or url)
    record = build_record(page, url=url, final_url=final_url, fetched_at=fetched_at,
                          http_status=http_status)
    if not record.text and not record.title:
        raise PermanentError("no_content", "no article text or title found on the page")
    return record
