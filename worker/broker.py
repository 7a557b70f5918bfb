"""Workarounds for defects of the Redis broker transport (kombu 5.7 / Celery 5.7).

One job: keep a worker's consumer alive across a broker outage. Applied once, when the Celery
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
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

__all__ = ["install"]

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
