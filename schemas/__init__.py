"""Typed records that cross process boundaries.

- :class:`IngestRequest`: the queue message (version 1) a producer puts on the ``fetch`` queue
  as the single positional argument of the Celery task ``news_ingest.fetch``.
- :class:`ArticleRecord`: one normalised article, exactly the columns of the ``articles`` table.
"""

from schemas.article import ArticleRecord
from schemas.request import FETCH_TASK_NAME, SCHEMA_VERSION, IngestRequest

__all__ = ["ArticleRecord", "IngestRequest", "FETCH_TASK_NAME", "SCHEMA_VERSION"]
