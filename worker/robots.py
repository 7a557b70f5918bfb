"""robots.txt: fetched once per origin, shared by every worker through Redis, obeyed.

The file is fetched through :func:`worker.fetch.fetch` (so the SSRF guard, timeouts and size
caps apply; the first 512 KiB are read, as RFC 9309 asks) and cached under
``news-ingest:robots:<scheme>://<host>:<port>`` for ``NEWS_INGEST_ROBOTS_TTL`` seconds. The
parser is RFC 9309 (the stdlib's ``urllib.robotparser`` takes the first matching rule instead
of the longest and knows no ``*``/``$`` wildcards): the groups naming our product token (the
User-Agent up to the first ``/``, case-insensitive) apply, else the ``*`` groups; the longest
matching rule wins, ``Allow`` on a tie. ``Crawl-delay`` (not in the RFC, widely used) of the
applying group is returned to the caller, which feeds it to the rate limiter.

What an answer for ``/robots.txt`` means:

* 2xx: the rules in the body.
* 401, 403: disallow everything (the long-standing convention for "access restricted";
  RFC 9309 would allow, we side with the publisher).
* other 4xx (404, 410 ...) and redirect loops or over-long chains: no robots.txt, allow all.
* 5xx and 429: unavailable. The URL fails with the transient reason ``robots_unavailable``
  (retried with backoff, Retry-After honoured) and the state is cached for
  ``NEWS_INGEST_ROBOTS_ERROR_TTL`` seconds so the workers do not hammer a failing server.
  RFC 9309 says to assume complete disallow while the server errs; we retry later instead.
* unreachable (connect error, timeout, DNS): the URL fails with that very error (the page is on
  the same server and would fail the same way); it is retried like any transient error.
* refused by the SSRF guard: the URL fails with ``blocked_address`` / ``blocked_port``.

Redirects of robots.txt are followed (within the fetch redirect limit); the rules found apply
to the origin that was asked. Robots rules are checked for the submitted URL's origin, not for
each redirect hop of the page.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit

import redis

from worker.errors import PermanentError, TransientError
from worker.fetch import fetch
from worker.settings import Settings, get_settings

__all__ = ["Robots", "RobotsRules", "RedisCache", "MemoryCache", "robots_url", "agent_token",
           "ROBOTS_MAX_BYTES"]

log = logging.getLogger("news_ingest.robots")

ROBOTS_MAX_BYTES = 512 * 1024
_KEY_PREFIX = "news-ingest:robots:"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ALLOW_ALL_ON_ERROR = frozenset({"redirect_loop", "too_many_redirects", "decode_error",
                                 "empty_body"})


def agent_token(user_agent: str) -> str:
    """The product token of a User-Agent (``news-ingest/0.1 (+...)`` -> ``news-ingest``)."""
    return re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0].lower()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{parts.port or _DEFAULT_PORTS.get(scheme, 80)}"


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.rsplit('@', 1)[-1]}/robots.txt"


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _normalise(path: str) -> str:
    """Percent-encoding made canonical so that ``/a%7Eb`` and ``/a~b`` compare equal."""
    return quote(unquote(path), safe="/?&=;:@!$'()*+,-._~%$")


# -- the parser -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RobotsRules:
    """The rules of one robots.txt that apply to one product token."""

    rules: tuple[tuple[bool, str], ...] = ()  # (allow, pattern)
    crawl_delay: float | None = None

    @classmethod
    def parse(cls, text: str, agent: str) -> RobotsRules:
        groups: list[tuple[set[str], list[tuple[bool, str]], list[float]]] = []
        current: tuple[set[str], list[tuple[bool, str]], list[float]] | None = None
        in_agents = False
        for line in text.lstrip("\ufeff").splitlines():
            line = line.split("#", 1)[0].strip()
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip().lower(), value.strip()
            if key in ("user-agent", "useragent", "user agent"):
                if not in_agents:
                    current = (set(), [], [])
                    groups.append(current)
                    in_agents = True
                assert current is not None
                current[0].add(agent_token(value) if value != "*" else "*")
                continue
            if current is None:
                continue  # rules before any user-agent line belong to nobody
            in_agents = False
            if key in ("allow", "disallow"):
                if value:
                    current[1].append((key == "allow", _normalise(value)))
                # an empty Disallow allows everything: nothing to record
            elif key == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                if delay >= 0:
                    current[2].append(delay)
        mine = [g for g in groups if agent in g[0]] or [g for g in groups if "*" in g[0]]
        rules = tuple(rule for g in mine for rule in g[1])
        delays = [d for g in mine for d in g[2]]
        return cls(rules=rules, crawl_delay=max(delays) if delays else None)

    def allows(self, path: str) -> bool:
        path = _normalise(path)
        if path.split("?", 1)[0] == "/robots.txt":
            return True
        best: tuple[int, bool] | None = None
        for allow, pattern in self.rules:
            if _matches(pattern, path):
                candidate = (len(pattern), allow)
                if best is None or candidate > best:  # longer wins; Allow (True) wins a tie
                    best = candidate
        return True if best is None else best[1]


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""), re.DOTALL)


def _matches(pattern: str, path: str) -> bool:
    if "*" not in pattern and not pattern.endswith("$"):
        return path.startswith(pattern)
    return _compiled(pattern).match(path) is not None


@lru_cache(maxsize=256)
def _parsed(text: str, agent: str) -> RobotsRules:
    return RobotsRules.parse(text, agent)


# -- the cache ------------------------------------------------------------------------------

class Cache(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: float) -> None: ...


class RedisCache:
    """Shared by every worker; Redis trouble makes it a miss, never a failure."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def get(self, key: str) -> str | None:
        try:
            value = self._client.get(key)
        except redis.RedisError as exc:
            log.warning("robots cache unavailable", extra={"exc": str(exc)})
            return None
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    def set(self, key: str, value: str, ttl: float) -> None:
        try:
            self._client.set(key, value, ex=max(1, int(ttl)))
        except redis.RedisError as exc:
            log.warning("robots cache unavailable", extra={"exc": str(exc)})


class MemoryCache:
    """For one process without Redis (``news-ingest fetch``)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                return None
            return item[1]

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl, value)


# -- the policy -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RobotsFile:
    """What is known about one origin's robots.txt (the cached value)."""

    state: str  # "rules", "allow_all", "disallow_all", "unavailable"
    text: str = ""
    retry_after: float | None = None

    def dumps(self) -> str:
        return json.dumps({"state": self.state, "text": self.text,
                           "retry_after": self.retry_after})

    @classmethod
    def loads(cls, raw: str) -> RobotsFile:
        data = json.loads(raw)
        return cls(state=data["state"], text=data.get("text", ""),
                   retry_after=data.get("retry_after"))


_ORIGIN_LOCKS: dict[str, threading.Lock] = {}
_ORIGIN_LOCKS_GUARD = threading.Lock()
_MAX_ORIGIN_LOCKS = 10_000


def _origin_lock(origin: str) -> threading.Lock:
    """The process's lock for fetching ``origin``'s robots.txt (the table is emptied when it
    grows large: a lock only matters while its fetch runs)."""
    with _ORIGIN_LOCKS_GUARD:
        lock = _ORIGIN_LOCKS.get(origin)
        if lock is None:
            if len(_ORIGIN_LOCKS) >= _MAX_ORIGIN_LOCKS:
                _ORIGIN_LOCKS.clear()
            lock = _ORIGIN_LOCKS[origin] = threading.Lock()
        return lock


class Robots:
    """robots.txt decisions for URLs, with ``cache`` shared as widely as it reaches."""

    def __init__(self, cache: Cache, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.cache = cache
        self.agent = agent_token(self.settings.user_agent)
        # What this object already read or fetched: one instance serves one task, which asks
        # about the same origin several times (the turn, the check, each redirect hop).
        self._seen: dict[str, RobotsFile] = {}

    def cached(self, url: str) -> RobotsFile | None:
        """The cached robots.txt of ``url``'s origin, without any network access."""
        origin = origin_of(url)
        entry = self._seen.get(origin)
        if entry is not None:
            return entry
        raw = self.cache.get(_KEY_PREFIX + origin)
        if raw is None:
            return None
        try:
            entry = RobotsFile.loads(raw)
        except (ValueError, KeyError, TypeError):
            return None
        self._seen[origin] = entry
        return entry

    def crawl_delay(self, url: str) -> float | None:
        """The cached Crawl-delay for ``url`` (None when unknown or not given)."""
        if not self.settings.robots_enabled:
            return None
        entry = self.cached(url)
        if entry is None or entry.state != "rules":
            return None
        return _parsed(entry.text, self.agent).crawl_delay

    def check(self, url: str, before_fetch: Callable[[], None] | None = None) -> float | None:
        """Raise ``robots_disallowed`` / ``robots_unavailable`` (or the fetch's own error);
        return the Crawl-delay that applies (None when none).

        robots.txt is fetched when it is not cached, by one thread of the process at a time
        per origin (the others wait, then read what it cached: a cold start of many threads
        on one host makes one request, not one per thread); ``before_fetch`` runs just before
        that request (the fetch stage takes the host's rate-limit turn there).
        """
        if not self.settings.robots_enabled:
            return None
        entry = self.cached(url)
        if entry is None:
            with _origin_lock(origin_of(url)):
                entry = self.cached(url)
                if entry is None:
                    if before_fetch is not None:
                        before_fetch()
                    entry = self._fetch(url)
        if entry.state == "unavailable":
            raise TransientError("robots_unavailable", f"{robots_url(url)} is unavailable "
                                 "(5xx/429); retrying later", retry_after=entry.retry_after)
        if entry.state == "disallow_all":
            raise PermanentError("robots_disallowed", f"{robots_url(url)} is access-restricted "
                                 "(401/403): everything is disallowed")
        if entry.state == "allow_all":
            return None
        rules = _parsed(entry.text, self.agent)
        if not rules.allows(_path_of(url)):
            raise PermanentError("robots_disallowed", f"{robots_url(url)} disallows "
                                 f"{_path_of(url)} for {self.agent!r}")
        return rules.crawl_delay

    def _fetch(self, url: str) -> RobotsFile:
        target = robots_url(url)
        ttl: float = self.settings.robots_ttl
        try:
            result = fetch(target, self.settings, content_types=None,
                           max_bytes=ROBOTS_MAX_BYTES, truncate=True)
            entry = RobotsFile("rules", result.body.decode("utf-8", errors="replace"))
        except TransientError as exc:
            if exc.reason not in ("http_5xx", "http_429"):
                raise type(exc)(exc.reason, f"fetching robots.txt: {exc.message}",
                                retry_after=exc.retry_after) from exc
            entry = RobotsFile("unavailable", retry_after=exc.retry_after)
            ttl = self.settings.robots_error_ttl
        except PermanentError as exc:
            if exc.http_status in (401, 403):
                entry = RobotsFile("disallow_all")
            elif exc.reason in ("http_404", "http_410", "http_4xx") or \
                    exc.reason in _ALLOW_ALL_ON_ERROR:
                entry = RobotsFile("allow_all")
            else:  # blocked_address, blocked_port, dns_error ...: about the host, not robots
                raise
        self.cache.set(_KEY_PREFIX + origin_of(url), entry.dumps(), ttl)
        self._seen[origin_of(url)] = entry
        log.info("robots.txt fetched", extra={"url": target, "state": entry.state})
        return entry
