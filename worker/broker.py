"""Workarounds for defects of the Redis broker transport (kombu 5.7 / Celery 5.7).

One job: make the Redis broker transport reliable. Applied once, when the Celery
app module is imported (:func:`install`).

- **Crash on reconnect.** When the broker connection drops while tasks are in flight,
  Celery's consumer first ``collect()``s the connection (which detaches the transport from its
  kombu ``Connection``) and then ``close()``s it. Closing the default channel tries to put the
  in-flight messages back (``restore_unacked_once``), rebuilds a Redis pool for that, and
  reads the detached ``transport.client``: an ``AttributeError`` that Celery treats as an
  unrecoverable error, so the whole worker exits instead of reconnecting (reproduced by
  ``tests/test_faults.py::test_redis_restart_keeps_every_acknowledged_enqueue``). Here a
  detached transport raises the transport's own connection error instead, which the close
  path ignores; the in-flight messages stay in Redis's ``unacked`` hash and come back after
  the visibility timeout, as with any lost worker.
- **Messages lost between BRPOP and the unacked record.** kombu takes a message off the queue
  with ``BRPOP`` and only then records it in the ``unacked`` hash; a worker killed (or a
  connection cut) in between loses it for good, whoever produced it. Here a channel that
  consumes one queue moves the message atomically into its own in-flight list instead
  (``BLMOVE queue news-ingest:inflight:<queue>:<channel> RIGHT LEFT``), and removes it from
  there once it is in ``unacked``. A message still in an in-flight list a sweep later was lost
  in that window, and :func:`recover_inflight` (run by the sweeper) puts it back on its queue.
  A channel consuming several queues (``celery worker`` without ``-Q``) alternates between a
  script that moves the first waiting message of any of its queues (``LMOVE``, one round trip,
  queues in kombu's rotating order) and, when none waits, a ``BLMOVE`` on one of them that
  blocks for at most ``MULTI_QUEUE_BLOCK`` seconds (each time the next queue), so a message
  on another queue of an idle worker waits at most that long.
- **A Redis client per command.** kombu builds a new ``redis.Redis`` object (about 0.1 ms of
  CPU: its response-callback table) for every ack, publish and unacked record; here a channel
  keeps one per connection pool (clients are thread-safe; connections still come from the
  pool).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from queue import Empty
from time import monotonic
from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.utils.json import loads
from redis.exceptions import ConnectionError as RedisConnectionError

__all__ = ["INFLIGHT_PREFIX", "MULTI_QUEUE_BLOCK", "PRIORITY_STEPS", "install", "recover_inflight"]

log = logging.getLogger("news_ingest.broker")

INFLIGHT_PREFIX = "news-ingest:inflight:"
# One list per queue: no priorities (the reliable fetch reads the queue's one list).
PRIORITY_STEPS = [0]
# A channel of several queues blocks on one queue at a time for at most this long (seconds).
MULTI_QUEUE_BLOCK = 0.2
# Move the first waiting message of the given queues (KEYS: queue, in-flight list, ...).
_TAKE_ANY_SCRIPT = """
for i = 1, #KEYS, 2 do
  local item = redis.call('LMOVE', KEYS[i], KEYS[i + 1], 'RIGHT', 'LEFT')
  if item then return {KEYS[i], item} end
end
return false
"""
# Put a message back only if it is still the same in-flight list's entry (atomic).
_RESTORE_SCRIPT = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
"""

_installed = False


def install() -> None:
    """Patch the Redis transport's channel once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    original = kombu_redis.Channel._connparams

    def _connparams(self: Any, asynchronous: bool = False) -> Any:
        if getattr(self.connection, "client", None) is None:
            raise RedisConnectionError("broker connection already closed")
        return original(self, asynchronous)

    kombu_redis.Channel._connparams = _connparams  # type: ignore[method-assign]
    kombu_redis.Channel.conn_or_acquire = _conn_or_acquire  # type: ignore[method-assign]
    _install_reliable_fetch()


@contextlib.contextmanager
def _conn_or_acquire(self: Any, client: Any = None) -> Iterator[Any]:
    """kombu's ``Channel.conn_or_acquire``, with the channel's client kept per pool."""
    if client:
        yield client
        return
    pool = self.pool
    cached = self.__dict__.get("_news_ingest_client")
    if cached is None or cached[0] is not pool:
        cached = self.__dict__["_news_ingest_client"] = (pool, self._create_client())
    yield cached[1]


def _reliable_queues(channel: Any) -> list[str] | None:
    """The queues a channel consumes with LMOVE/BLMOVE (in kombu's rotating order, at least
    one), or None to keep BRPOP (priority sub-lists or a key prefix: not handled here)."""
    if list(channel.priority_steps) != PRIORITY_STEPS or channel.global_keyprefix:
        return None
    queues = [str(q) for q in channel._queue_cycle.consume(len(channel.active_queues))]
    return queues or None


def _inflight_key(channel: Any, queue: str) -> str:
    token = channel.__dict__.get("_news_ingest_token")
    if token is None:
        token = channel.__dict__["_news_ingest_token"] = uuid.uuid4().hex
    return f"{INFLIGHT_PREFIX}{queue}:{token}"


def _install_reliable_fetch() -> None:
    brpop_start = kombu_redis.Channel._brpop_start
    brpop_read = kombu_redis.Channel._brpop_read

    def _start(self: Any, timeout: Any = None) -> None:
        queues = _reliable_queues(self)
        if queues is None:
            self._news_ingest_pending = None
            brpop_start(self, timeout)
            return
        if timeout is None:
            timeout = self.brpop_timeout
        connection = self.client.connection
        if len(queues) == 1:
            pending = ("BLMOVE", queues[0])
            args: list[Any] = ["BLMOVE", queues[0], _inflight_key(self, queues[0]),
                               "RIGHT", "LEFT", timeout or 0]
        elif self.__dict__.get("_news_ingest_scan_next", True):
            pending = ("EVAL", "")
            keys = [key for q in queues for key in (q, _inflight_key(self, q))]
            args = ["EVAL", _TAKE_ANY_SCRIPT, len(keys), *keys]
        else:
            turn = self.__dict__.get("_news_ingest_turn", 0)
            self._news_ingest_turn = turn + 1
            queue = queues[turn % len(queues)]
            pending = ("BLMOVE", queue)
            args = ["BLMOVE", queue, _inflight_key(self, queue), "RIGHT", "LEFT",
                    min(timeout or MULTI_QUEUE_BLOCK, MULTI_QUEUE_BLOCK)]
        self._news_ingest_pending = pending
        self._in_poll = connection
        self._brpop_sent_at = monotonic()
        connection.send_command(*args)

    def _read(self: Any, **options: Any) -> bool:
        pending = self.__dict__.get("_news_ingest_pending")
        if pending is None:
            return bool(brpop_read(self, **options))
        command, queue = pending
        try:
            try:
                reply = self.client.parse_response(self.client.connection, command, **options)
            except self.connection_errors:
                self.client.connection.disconnect()
                raise
            if command == "EVAL":
                # Nothing waiting anywhere: block on one queue next; after a message, scan.
                self._news_ingest_scan_next = bool(reply)
                if not reply:
                    raise Empty()
                queue, item = kombu_redis.bytes_to_str(reply[0]), reply[1]
            else:
                self._news_ingest_scan_next = True
                if reply is None:
                    raise Empty()
                item = reply
            try:
                message = loads(kombu_redis.bytes_to_str(item))
            except ValueError:
                log.error("dropped an undecodable message", extra={"queue": queue})
                message = None
            else:
                self._queue_cycle.rotate(queue)
                self.connection._deliver(message, queue)
            # Recorded in `unacked` now (or undecodable): the in-flight copy goes.
            with self.conn_or_acquire() as client:
                client.lrem(_inflight_key(self, queue), 1, item)
            if message is None:
                raise Empty()
            return True
        finally:
            self._news_ingest_pending = None
            self._in_poll = None
            self._flush_brpop_reauth()

    kombu_redis.Channel._brpop_start = _start  # type: ignore[method-assign]
    kombu_redis.Channel._brpop_read = _read  # type: ignore[method-assign]


Seen = set[tuple[str, bytes]]


def recover_inflight(client: Any, seen: Seen) -> tuple[int, Seen]:
    """Put back on their queue the in-flight messages that were already there at the previous
    call (``seen``); returns how many, and what to pass as ``seen`` next time."""
    script = client.register_script(_RESTORE_SCRIPT)
    now: Seen = set()
    restored = 0
    for key in client.scan_iter(match=f"{INFLIGHT_PREFIX}*", count=1000):
        key = key.decode() if isinstance(key, bytes) else key
        queue = key[len(INFLIGHT_PREFIX):].rsplit(":", 1)[0]
        for item in client.lrange(key, 0, -1):
            if (key, item) in seen:
                restored += int(script(keys=[key, queue], args=[item]))
            else:
                now.add((key, item))
    if restored:
        log.warning("put back messages lost on their way to a worker",
                    extra={"count": restored})
    return restored, now
