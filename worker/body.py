"""The second-opinion body extractor (trafilatura), run on the tree newspaper3k already parsed.

trafilatura is imported here only (never in :mod:`worker.parse`). It receives the lxml tree of
``ParsedPage.doc`` (so the HTML is not parsed a second time); it copies the tree before
cleaning it, so the tree is left as it was. Its metadata pass (htmldate and friends) is off:
metadata comes from :mod:`worker.metadata`. Comments are excluded.
"""

from __future__ import annotations

import logging
from typing import Any

import trafilatura
from trafilatura.settings import Extractor

__all__ = ["trafilatura_text", "SECOND_EXTRACTOR_NAME"]

SECOND_EXTRACTOR_NAME = f"trafilatura/{trafilatura.__version__}"

# trafilatura logs a warning for every page it discards; that is an expected outcome here.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def trafilatura_text(doc: Any, url: str | None = None, *, fast: bool = False) -> str:
    """trafilatura's main text of the page tree ``doc`` ("" when it finds none)."""
    if doc is None:
        return ""
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
