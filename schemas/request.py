"""The ingest request: the versioned JSON contract on the ``fetch`` queue."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
FETCH_TASK_NAME = "news_ingest.fetch"


class IngestRequest(BaseModel):
    """One URL to ingest. Sent as ``args=[<this object>]`` of task ``news_ingest.fetch``."""

    model_config = ConfigDict(extra="ignore", title="news-ingest IngestRequest")

    v: Literal[1] = Field(default=1, description="Contract version; always 1 for this schema.")
    job_id: str = Field(
        default_factory=lambda: str(uuid.uuid4()),
        description="Caller-chosen UUID identifying this submission (one ingest_jobs row).",
        pattern=r"^[0-9a-fA-F-]{32,36}$",
    )
    url: str = Field(description="Absolute http(s) URL of the article page.", max_length=4096)
    source: str | None = Field(
        default=None, description="Free-form name of the producer or feed.", max_length=200
    )
    submitted_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        description="When the producer submitted the URL (ISO 8601 with offset).",
    )
    meta: dict[str, Any] = Field(
        default_factory=dict, description="Opaque producer data, stored with the job."
    )
