"""Structured logging: one JSON object a line (``NEWS_INGEST_LOG_FORMAT=json``) or text."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from worker.settings import get_settings

__all__ = ["configure_logging", "JsonFormatter", "TaskContextFilter"]

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value if isinstance(value, (str, int, float, bool, type(None))) \
                    else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class TaskContextFilter(logging.Filter):
    """Adds ``job_id``, ``url`` and ``task`` of the Celery task running in this thread to every
    record that does not carry them already, so each log line of a job can be found by id."""

    def filter(self, record: logging.LogRecord) -> bool:
        from celery import current_task

        try:
            task = current_task._get_current_object() if current_task else None
        except Exception:  # noqa: BLE001 - logging never fails on context
            task = None
        request = getattr(task, "request", None)
        args = getattr(request, "args", None)
        if args and isinstance(args[0], dict):
            if not hasattr(record, "job_id") and args[0].get("job_id"):
                record.job_id = args[0]["job_id"]
            if not hasattr(record, "url") and args[0].get("url"):
                record.url = args[0]["url"]
            if not hasattr(record, "task"):
                record.task = getattr(task, "name", None)
        return True


def configure_logging(level: str | None = None) -> None:
    settings = get_settings()
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(TaskContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or settings.log_level).upper())
