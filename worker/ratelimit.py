"""Per-host request rate across every worker on every machine, kept in Redis.

One hash per host (``news-ingest:rate:<host>``) holds when the last request started and the
end of the reservations handed out. A Lua script, timed by the Redis server's own clock (so
worker clocks do not matter), decides atomically for one request:

* go now, when at least ``interval`` has passed since the last request and no earlier
  reservation is waiting (or the caller brings its own reservation, now due); or
* wait: it reserves the next free slot and answers how long to wait. The caller puts the URL
  back on the queue with that countdown and the slot (:class:`Throttled`), so it holds no
  worker slot while it waits and, when it comes back, its slot is its own. A reservation
  further ahead than ``NEWS_INGEST_RATE_LIMIT_MAX_WAIT`` is not made: the URL just comes back
  after that long and asks again.

The spacing check is made even for reservation holders, so a late one never squeezes two
requests closer than ``interval``. ``interval`` is ``1 / rate`` (``NEWS_INGEST_RATE_LIMIT``,
or the most specific ``NEWS_INGEST_RATE_LIMITS`` entry for the host's domain), or the robots.txt
``Crawl-delay`` when that is longer. The robots.txt fetch takes its turn like any request.
"""

from __future__ import annotations

from functools import lru_cache

import redis

from worker.errors import TransientError
from worker.settings import Settings, get_settings

__all__ = ["RateLimiter", "Throttled", "parse_rates", "interval_for"]

_KEY_PREFIX = "news-ingest:rate:"
EARLY_TOLERANCE = 0.02  # seconds a request may start before its slot (timer jitter)
_MIN_KEY_TTL = 3600

# KEYS[1]: the host's hash. ARGV: interval, slot (-1: none), max_ahead, tolerance,
# grace, key ttl. Returns {go (0/1), wait seconds (or, on go, the Redis time of the grant),
# slot (-1: none)} as strings (Lua numbers would be truncated to integers on the way out).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local slot = tonumber(ARGV[2])
local max_ahead = tonumber(ARGV[3])
local eps = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'last', 'horizon')
local last = tonumber(state[1]) or 0
local horizon = tonumber(state[2]) or 0
if slot >= 0 and now + eps < slot then
  return {'0', tostring(slot - now), tostring(slot)}
end
local ready = last + interval
local claimed = slot >= 0 and now <= slot + grace
if now + eps >= ready and (claimed or now + eps >= horizon) then
  last = now
  if last + interval > horizon then horizon = last + interval end
  redis.call('HSET', KEYS[1], 'last', tostring(last), 'horizon', tostring(horizon))
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
  return {'1', tostring(now), '-1'}
end
local at = math.max(horizon, ready, now)
if at - now > max_ahead then
  return {'0', tostring(max_ahead), '-1'}
end
redis.call('HSET', KEYS[1], 'horizon', tostring(at + interval))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
return {'0', tostring(at - now), tostring(at)}
"""


class Throttled(Exception):  # noqa: N818 - a signal, not an error
    """Not now: come back after ``delay`` seconds, bringing ``slot`` (None: no reservation).

    ``trail`` is the redirect chain followed so far when a redirect hop was throttled (the
    fetch resumes at its last URL), else empty.
    """

    def __init__(self, host: str, delay: float, slot: float | None) -> None:
        super().__init__(f"{host}: throttled for {delay:.2f}s")
        self.host = host
        self.delay = delay
        self.slot = slot
        self.trail: list[str] = []


@lru_cache(maxsize=16)
def parse_rates(spec: str) -> dict[str, float]:
    """``"example.com=5,other.org=0.2"`` -> ``{"example.com": 5.0, "other.org": 0.2}``."""
    rates: dict[str, float] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        domain, sep, value = item.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not sep or not domain.strip() or rate <= 0:
            raise ValueError(f"NEWS_INGEST_RATE_LIMITS entry {item.strip()!r} is not "
                             "domain=requests-per-second (a positive number)")
        rates[domain.strip().lower().strip(".")] = rate
    return rates


def interval_for(host: str, settings: Settings, crawl_delay: float | None = None) -> float:
    """Seconds between two requests to ``host``."""
    host = host.lower().rstrip(".")
    rate = settings.rate_limit
    best = -1
    for domain, value in parse_rates(settings.rate_limits).items():
        if (host == domain or host.endswith("." + domain)) and len(domain) > best:
            rate, best = value, len(domain)
    if rate <= 0:
        raise ValueError("NEWS_INGEST_RATE_LIMIT must be a positive number")
    return max(1.0 / rate, crawl_delay or 0.0)


class RateLimiter:
    def __init__(self, client: redis.Redis, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._client = client
        self._script = client.register_script(_SCRIPT)

    def acquire(self, host: str, interval: float, *, slot: float | None = None) -> float:
        """Return (the Redis clock's time of the grant) when a request to ``host`` may go now;
        else raise :class:`Throttled`."""
        host = host.lower().rstrip(".")
        max_ahead = max(0.0, self.settings.rate_limit_max_wait)
        ttl = int(max(_MIN_KEY_TTL, 2 * max_ahead, 10 * interval))
        try:
            go, wait, reserved = self._script(
                keys=[_KEY_PREFIX + host],
                args=[repr(float(interval)), repr(-1.0 if slot is None else float(slot)),
                      repr(max_ahead), repr(EARLY_TOLERANCE),
                      repr(2 * interval + 1), ttl])
        except redis.RedisError as exc:
            raise TransientError("broker_unavailable", f"rate limiter: Redis: {exc}") from exc
        if int(go):
            return float(wait)
        reserved_at = float(reserved)
        raise Throttled(host, float(wait), None if reserved_at < 0 else reserved_at)
