"""Keep Celery worker processes running: what ``news-ingest worker`` does.

Each queue's worker is a child process. SIGTERM, SIGINT (as SIGTERM) and SIGQUIT are passed
on to every child and nothing is restarted after that: the children's warm shutdown decides
the exit code.
A child that ends on its own is started again, after a pause that doubles from
:data:`RESTART_DELAY_S` up to :data:`MAX_RESTART_DELAY_S` (back to the start once a child has
run for :data:`STABLE_AFTER_S`). That covers a worker whose consumer got stuck
(:data:`worker.watchdog.EXIT_STALLED`), an unrecoverable error inside Celery and a worker
killed by the OOM killer; a child ending with exit code 0 unasked is restarted too, because a
worker that stops without being told to is never what ops wanted. Under systemd, Kubernetes or
Compose the supervisor is transparent: its own exit code is the children's.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_RESTART_DELAY_S", "RESTART_DELAY_S", "STABLE_AFTER_S", "Supervisor"]

log = logging.getLogger("news_ingest.supervisor")

RESTART_DELAY_S = 1.0
MAX_RESTART_DELAY_S = 30.0
STABLE_AFTER_S = 60.0
POLL_S = 0.2
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


@dataclass
class _Child:
    name: str
    start: Callable[[], subprocess.Popen[bytes]]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay: float = RESTART_DELAY_S
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    """Runs named child processes until told to stop, restarting those that end unasked."""

    starters: Sequence[tuple[str, Callable[[], subprocess.Popen[bytes]]]]
    stopping: bool = False
    forwarded: int = 0
    children: list[_Child] = field(default_factory=list)

    def _launch(self, child: _Child) -> None:
        child.proc = child.start()
        child.started_at = time.monotonic()
        child.restart_at = None

    def _forward(self, signum: int, _frame: Any) -> None:
        self.stopping = True
        # Ctrl-C reaches the whole process group, children included; a second SIGINT would be
        # a cold shutdown to Celery, so SIGINT is passed on as SIGTERM (warm either way).
        forwarded = signal.SIGTERM if signum == signal.SIGINT else signum
        self.forwarded = int(forwarded)
        for child in self.children:
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(forwarded)

    def run(self) -> int:
        """Start every child, supervise them, and return the highest exit code at the end."""
        self.children = [_Child(name, start) for name, start in self.starters]
        for sig in FORWARDED_SIGNALS:
            signal.signal(sig, self._forward)
        for child in self.children:
            self._launch(child)
        codes: dict[str, int] = {}
        while True:
            now = time.monotonic()
            for child in self.children:
                if child.proc is None:
                    if not self.stopping and child.restart_at is not None \
                            and now >= child.restart_at:
                        child.restarts += 1
                        log.warning("restarting worker", extra={
                            "queue": child.name, "restarts": child.restarts})
                        self._launch(child)
                    continue
                code = child.proc.poll()
                if code is None:
                    continue
                child.proc = None
                if self.stopping and code == -self.forwarded:
                    # Ended by the very signal it was told to stop with (a child still
                    # starting has no handler for it yet): a stop as asked, not a failure.
                    log.info("worker stopped by the forwarded signal", extra={
                        "queue": child.name, "signal": self.forwarded})
                    code = 0
                codes[child.name] = code
                if self.stopping:
                    continue
                if now - child.started_at >= STABLE_AFTER_S:
                    child.delay = RESTART_DELAY_S
                log.error("worker ended unasked; it is restarted", extra={
                    "queue": child.name, "exit_code": code, "delay_s": child.delay})
                child.restart_at = now + child.delay
                child.delay = min(MAX_RESTART_DELAY_S, child.delay * 2)
            if self.stopping and all(child.proc is None for child in self.children):
                return max((128 - code if code < 0 else code for code in codes.values()),
                           default=0)
            time.sleep(POLL_S)
