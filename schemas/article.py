"""The article record: what the parse stage stores and ``news-ingest extract`` prints."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field, field_serializer


class ArticleRecord(BaseModel):
    """One normalised article. Field names are the ``articles`` column names."""

    model_config = ConfigDict(title="news-ingest ArticleRecord")

    url: str = Field(description="Normalised URL: the row's identity.")
    final_url: str | None = Field(default=None, description="URL after redirects.")
    canonical_url: str | None = None
    domain: str
    title: str | None = None
    description: str | None = None
    text: str = ""
    authors: list[str] = Field(default_factory=list)
    published_at: datetime | None = Field(default=None, description="UTC, or null if unknown.")
    published_offset_minutes: int | None = Field(
        default=None, ge=-14 * 60, le=14 * 60,
        description="The page's own UTC offset of published_at, in minutes east of UTC "
                    "(null when the page gave no zone): published_at + offset is the local "
                    "publication time, whose calendar day is the page's publication day.")
    modified_at: datetime | None = None
    language: str | None = Field(default=None, description="ISO 639-1 code.")
    tags: list[str] = Field(default_factory=list)
    section: str | None = None
    publisher: str | None = None
    top_image: str | None = None
    images: list[str] = Field(default_factory=list)
    word_count: int = 0
    content_hash: str | None = Field(default=None, description="sha256 of the normalised text.")
    fetched_at: datetime | None = None
    http_status: int | None = None
    extractor: str = Field(description="Which extractor produced the body, with its version.")
    provenance: dict[str, str] = Field(
        default_factory=dict, description="Field name -> the source its value came from."
    )

    def local_published_at(self) -> datetime | None:
        """published_at in the page's own zone (UTC when the page gave none)."""
        if self.published_at is None:
            return None
        zone = timezone(timedelta(minutes=self.published_offset_minutes or 0))
        return self.published_at.astimezone(zone)

    @field_serializer("published_at", "modified_at", "fetched_at")
    def _utc_iso(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.isoformat().replace("+00:00", "Z")
