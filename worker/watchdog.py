"""The consumer watchdog: a worker whose consumer stopped taking messages restarts itself.

Celery's Redis consumer has had several "catatonic worker" bugs: after a broker reconnect the
process stays alive, answers pings, and never takes another message while its queue grows
(celery/celery#8030, #8091; kombu#2492, #2629). No exception, no log line. So each worker runs
a watchdog thread. Every few seconds it looks at the length of the queues the worker consumes,
at its free slots, and at when it last received a message. The consumer is stuck when, for
``NEWS_INGEST_STALL_AFTER`` seconds in a row, messages were waiting, a slot was free and
nothing arrived. Then the watchdog asks for a warm shutdown with exit code
:data:`EXIT_STALLED`: in-flight tasks finish, and ``news-ingest worker`` (the supervisor)
starts a fresh worker. If the worker has not stopped after another ``NEWS_INGEST_STALL_AFTER``
seconds, the process ends at once; its unacknowledged messages come back after the visibility
timeout.

:class:`StallDetector` holds the decision and nothing else, so it is tested on its own.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from celery.signals import task_received

from worker.settings import get_settings

__all__ = ["EXIT_STALLED", "StallDetector", "start_watchdog"]

log = logging.getLogger("news_ingest.watchdog")

EXIT_STALLED = 75  # EX_TEMPFAIL: "try again", what the supervisor restarts on
# How many checks a stall window holds (the check interval is stall_after / this).
CHECKS_PER_WINDOW = 6

_last_received = time.monotonic()
_started = threading.Event()


@task_received.connect
def _on_received(**_: Any) -> None:
    global _last_received
    _last_received = time.monotonic()


@dataclass
class StallDetector:
    """Decides, one observation at a time, whether a consumer is stuck."""

    stall_after: float
    stalled_since: float | None = None

    def observe(self, now: float, waiting: int, free_slots: int, last_received: float) -> bool:
        """True once messages waited, a slot was free and none arrived for ``stall_after``."""
        starving = waiting > 0 and free_slots > 0 and now - last_received >= self.stall_after
        if not starving:
            self.stalled_since = None
            return False
        if self.stalled_since is None:
            self.stalled_since = now
        return now - self.stalled_since >= self.stall_after


def _waiting(queues: Iterable[str]) -> int:
    from worker.queries import queue_depths

    depths = queue_depths(list(queues), unacked_scan_limit=0)
    return sum(depth["ready"] for depth in depths.values())


def _free_slots(concurrency: int) -> int:
    from celery.worker import state

    return concurrency - len(state.active_requests)


def _restart(stall_after: float) -> None:
    """Warm shutdown with EXIT_STALLED; the process ends at once if that does not happen."""
    from celery.worker import state

    state.should_stop = EXIT_STALLED
    time.sleep(stall_after)
    log.critical("worker did not stop after a stall; exiting now")
    logging.shutdown()
    os._exit(EXIT_STALLED)


def _loop(queues: list[str], concurrency: int, stall_after: float,
          on_stall: Callable[[float], None] = _restart,
          stop: threading.Event | None = None) -> None:
    detector = StallDetector(stall_after)
    interval = max(1.0, stall_after / CHECKS_PER_WINDOW)
    stop = stop or threading.Event()
    while not stop.wait(interval):
        try:
            waiting = _waiting(queues)
        except Exception:  # noqa: BLE001 - broker down: the consumer's own retry handles it
            detector.stalled_since = None
            continue
        if detector.observe(time.monotonic(), waiting, _free_slots(concurrency),
                            _last_received):
            log.critical("consumer stalled: messages waiting and none received; restarting",
                         extra={"waiting": waiting, "stall_after": stall_after})
            on_stall(stall_after)
            return


def start_watchdog(queues: Iterable[str], concurrency: int) -> bool:
    """Start the watchdog thread once per worker process; False when it is turned off."""
    stall_after = get_settings().stall_after
    if _started.is_set() or stall_after <= 0:
        return False
    _started.set()
    global _last_received
    _last_received = time.monotonic()
    threading.Thread(target=_loop, args=(sorted(queues), concurrency, stall_after),
                     name="news-ingest-watchdog", daemon=True).start()
    return True
