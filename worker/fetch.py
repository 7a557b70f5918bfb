"""HTTP fetching: the only module that opens network connections to publishers.

Explicit connect/read timeouts plus a total deadline per fetch, a streamed body-size cap
(applied to the decompressed bytes, so gzip bombs stop early), redirects followed by hand
(each hop recorded, loops and over-long chains stopped), and every httpx exception translated
into the :mod:`worker.errors` tree here.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from worker.errors import IngestError, PermanentError, TransientError
from worker.settings import Settings, get_settings
from worker.urls import normalize_url, validate_url

__all__ = ["FetchResult", "fetch", "HTML_CONTENT_TYPES"]

HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml",
                                "text/xml", "text/plain", ""})
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    redirects: list[str] = field(default_factory=list)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    elapsed_ms: float = 0.0


_client_lock = threading.Lock()
_client: tuple[int, httpx.Client] | None = None


def _get_client(settings: Settings) -> httpx.Client:
    """One pooled client per process (re-created after fork)."""
    global _client
    pid = os.getpid()
    with _client_lock:
        if _client is None or _client[0] != pid:
            client = httpx.Client(
                follow_redirects=False,
                timeout=httpx.Timeout(
                    connect=settings.fetch_connect_timeout,
                    read=settings.fetch_read_timeout,
                    write=settings.fetch_read_timeout,
                    pool=settings.fetch_connect_timeout,
                ),
                limits=httpx.Limits(max_connections=max(10, settings.fetch_concurrency * 2),
                                    max_keepalive_connections=settings.fetch_concurrency),
                headers={"User-Agent": settings.user_agent,
                         "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                         "Accept-Encoding": "gzip, deflate"},
                trust_env=False,
            )
            _client = (pid, client)
        return _client[1]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _status_error(status: int, url: str, retry_after: float | None) -> IngestError:
    if status == 429:
        return TransientError("http_429", f"{url} answered 429 Too Many Requests",
                              http_status=status, retry_after=retry_after)
    if status >= 500:
        return TransientError("http_5xx", f"{url} answered {status}", http_status=status,
                              retry_after=retry_after)
    reason = {404: "http_404", 410: "http_410"}.get(status, "http_4xx")
    return PermanentError(reason, f"{url} answered {status}", http_status=status)


def fetch(url: str, settings: Settings | None = None) -> FetchResult:
    """GET ``url`` and return the body, or raise a classified :class:`IngestError`."""
    settings = settings or get_settings()
    url = validate_url(url)
    client = _get_client(settings)
    started = time.monotonic()
    deadline = started + settings.fetch_total_timeout
    redirects: list[str] = []
    seen = {normalize_url(url)}
    current = url
    while True:
        try:
            response, body = _get_once(client, current, deadline, settings)
        except IngestError:
            raise
        except httpx.ConnectTimeout as exc:
            raise TransientError("timeout", f"connecting to {current} timed out") from exc
        except httpx.TimeoutException as exc:
            raise TransientError("timeout", f"{current}: {type(exc).__name__}") from exc
        except httpx.ConnectError as exc:
            text = str(exc)
            if "Temporary failure in name resolution" in text:
                raise TransientError("dns_error", f"cannot resolve host of {current} now") \
                    from exc
            if "Name or service not known" in text or "nodename nor servname" in text \
                    or "No address associated" in text:
                raise PermanentError("dns_error", f"host of {current} does not resolve") \
                    from exc
            raise TransientError("connect_error", f"{current}: {text or type(exc).__name__}") \
                from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise TransientError("connection_reset", f"{current}: {exc or type(exc).__name__}") \
                from exc
        except httpx.DecodingError as exc:
            raise PermanentError("decode_error", f"{current}: bad content encoding: {exc}") \
                from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentError("invalid_url", f"{current}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise TransientError("connect_error", f"{current}: {exc!r}") from exc
        status = response.status_code
        if status in _REDIRECT_CODES:
            location = response.headers.get("location")
            if not location:
                raise PermanentError("http_4xx", f"{current} redirected without a Location",
                                     http_status=status)
            target = urljoin(current, location.strip())
            try:
                target = validate_url(target)
                key = normalize_url(target)
            except PermanentError as exc:
                raise PermanentError("invalid_url", f"redirect to a bad URL: {exc.message}") \
                    from exc
            redirects.append(target)
            if key in seen:
                raise PermanentError("redirect_loop", f"redirect loop back to {target}",
                                     http_status=status)
            if len(redirects) > settings.fetch_max_redirects:
                raise PermanentError(
                    "too_many_redirects",
                    f"more than {settings.fetch_max_redirects} redirects from {url}",
                    http_status=status,
                )
            seen.add(key)
            current = target
            continue
        if status >= 400:
            raise _status_error(status, current, _retry_after(response.headers.get("retry-after")))
        if status != 200 and not body:
            raise PermanentError("empty_body", f"{current} answered {status} with no body",
                                 http_status=status)
        content_type, charset = _content_type(response.headers.get("content-type", ""))
        return FetchResult(
            url=url,
            final_url=current,
            status=status,
            content_type=content_type,
            charset=charset,
            body=body,
            redirects=redirects,
            elapsed_ms=(time.monotonic() - started) * 1000,
        )


def _content_type(header: str) -> tuple[str, str | None]:
    mime, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _get_once(client: httpx.Client, url: str, deadline: float,
              settings: Settings) -> tuple[httpx.Response, bytes]:
    with client.stream("GET", url) as response:
        if response.status_code in _REDIRECT_CODES or response.status_code >= 400:
            return response, b""
        mime, _ = _content_type(response.headers.get("content-type", ""))
        if mime not in HTML_CONTENT_TYPES:
            raise PermanentError("unsupported_content_type",
                                 f"{url} is {mime!r}, not HTML", http_status=response.status_code)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.fetch_max_bytes:
            raise PermanentError("too_large", f"{url} declares {declared} bytes (cap "
                                 f"{settings.fetch_max_bytes})", http_status=response.status_code)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes(_CHUNK):
            size += len(chunk)
            if size > settings.fetch_max_bytes:
                raise PermanentError("too_large", f"{url} body exceeds "
                                     f"{settings.fetch_max_bytes} bytes",
                                     http_status=response.status_code)
            if time.monotonic() > deadline:
                raise TransientError("timeout", f"{url}: total fetch deadline of "
                                     f"{settings.fetch_total_timeout:g}s passed",
                                     http_status=response.status_code)
            chunks.append(chunk)
        return response, b"".join(chunks)
