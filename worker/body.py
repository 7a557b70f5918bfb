"""The second-opinion body extractor (trafilatura), run on the tree newspaper3k already parsed.

trafilatura is imported here only (never in :mod:`worker.parse`). It receives the lxml tree of
``ParsedPage.doc`` (so the HTML is not parsed a second time); it copies the tree before
cleaning it. The only change made to the tree is the removal of HTML comments and processing
instructions, so run this after the metadata pass. Its metadata pass (htmldate and friends) is off:
metadata comes from :mod:`worker.metadata`. Comments are excluded.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import trafilatura
from htmldate import find_date
from lxml import etree
from trafilatura.settings import Extractor

__all__ = ["trafilatura_text", "htmldate_published", "SECOND_EXTRACTOR_NAME"]

SECOND_EXTRACTOR_NAME = f"trafilatura/{trafilatura.__version__}"

# trafilatura logs a warning for every page it discards; that is an expected outcome here.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def trafilatura_text(doc: Any, url: str | None = None, *, fast: bool = False) -> str:
    """trafilatura's main text of the page tree ``doc`` ("" when it finds none)."""
    if doc is None:
        return ""
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


def htmldate_published(doc: Any, url: str | None, extensive: bool = False) -> datetime | None:
    """htmldate's original publication date of ``doc`` (a day, midnight UTC), or None."""
    if doc is None:
        return None
    try:
        found = find_date(doc, url=url, original_date=True, extensive_search=extensive,
                          outputformat="%Y-%m-%d")
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError):
        return None
    if not found:
        return None
    try:
        return datetime.strptime(str(found), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
