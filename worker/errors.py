"""The error tree of news-ingest. Every failure recorded for a URL is one of these.

::

    IngestError                      (reason: str, message: str, http_status: int | None)
    ├── TransientError               retried with exponential backoff and jitter
    │     reasons: timeout, connect_error, dns_error, connection_reset, http_5xx,
    │              http_429, database_unavailable, broker_unavailable, robots_unavailable
    └── PermanentError               recorded at once, never retried
          reasons: invalid_url, http_4xx, http_404, http_410, unsupported_content_type,
                   too_large, too_many_redirects, redirect_loop, empty_body, binary_body,
                   decode_error, parse_error, parse_timeout, no_content, page_expired,
                   invalid_message, poison_message, retries_exhausted, internal_error,
                   blocked_address, blocked_port, robots_disallowed

A transient error that is still failing after the last retry is recorded with its own reason
(``timeout``, ``http_5xx`` ...) and status ``failed``. Third-party exceptions are translated
into this tree in one place per boundary (``worker.fetch`` for HTTP, ``worker.parse`` for the
parser) with ``raise ... from exc``.
"""

from __future__ import annotations

__all__ = [
    "IngestError",
    "PermanentError",
    "TransientError",
    "REASONS",
]


class IngestError(Exception):
    """Base of every classified failure; ``reason`` is a short stable code."""

    transient: bool = False

    def __init__(self, reason: str, message: str, *, http_status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.http_status = http_status
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, object]:
        return {
            "reason": self.reason,
            "message": self.message,
            "transient": self.transient,
            "http_status": self.http_status,
        }

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keep the error picklable across the prefork pool boundary.
        return (
            _rebuild,
            (type(self), self.reason, self.message, self.http_status, self.retry_after),
        )


def _rebuild(cls: type[IngestError], reason: str, message: str, http_status: int | None,
             retry_after: float | None) -> IngestError:
    return cls(reason, message, http_status=http_status, retry_after=retry_after)


class TransientError(IngestError):
    """May succeed later: retried with backoff."""

    transient = True


class PermanentError(IngestError):
    """Will not succeed by retrying: recorded at once."""


REASONS: dict[str, str] = {
    "timeout": "the server did not answer within the connect/read/total deadline",
    "connect_error": "the connection could not be established",
    "dns_error": "the host name does not resolve",
    "connection_reset": "the connection broke during the transfer",
    "http_5xx": "the server answered with a 5xx status",
    "http_429": "the server asked us to slow down (429)",
    "database_unavailable": "PostgreSQL could not be reached",
    "broker_unavailable": "Redis could not be reached",
    "invalid_url": "the URL is malformed or not http(s)",
    "http_404": "the page does not exist (404)",
    "http_410": "the page is gone (410)",
    "http_4xx": "the server refused the request with a 4xx status",
    "unsupported_content_type": "the response is not HTML",
    "too_large": "the body exceeds the size cap",
    "too_many_redirects": "the redirect chain is longer than the limit",
    "redirect_loop": "the redirects go round in a circle",
    "empty_body": "the response has no body",
    "binary_body": "the body is binary, not text",
    "decode_error": "the body could not be decoded as text",
    "parse_error": "the HTML could not be parsed",
    "parse_timeout": "parsing took longer than the parse time limit",
    "no_content": "no article text was found on the page",
    "page_expired": "the fetched page expired in Redis before it was parsed",
    "invalid_message": "the queue message is not a valid IngestRequest",
    "poison_message": "the task was delivered too often (it kills its worker)",
    "retries_exhausted": "a transient error persisted through every retry",
    "internal_error": "an unexpected error (a bug): see the message",
    "blocked_address": "the host resolves to a non-public address (SSRF guard); see "
                       "NEWS_INGEST_FETCH_ALLOW",
    "blocked_port": "the port is not in NEWS_INGEST_FETCH_ALLOWED_PORTS (SSRF guard)",
    "robots_disallowed": "the publisher's robots.txt disallows the URL for our user agent",
    "robots_unavailable": "robots.txt answered 5xx/429, so the URL is retried later",
}
