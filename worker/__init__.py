"""news-ingest worker: Celery app, tasks and the producer API.

``celery -A worker worker`` finds :data:`app` here; producers call :func:`enqueue`.
"""

from worker.celery_app import app
from worker.errors import IngestError, PermanentError, TransientError
from worker.producer import InvalidURLs, enqueue

__all__ = ["app", "enqueue", "InvalidURLs", "IngestError", "PermanentError", "TransientError"]
