"""worker/supervisor.py with real child processes (its restarts of a real Celery worker are
in tests/test_faults.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from worker.supervisor import FORWARDED_SIGNALS, Supervisor


@pytest.fixture()
def _own_signal_handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in FORWARDED_SIGNALS}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _sleeper() -> subprocess.Popen[bytes]:
    # No handler for SIGTERM: like a Celery worker still importing when the stop comes.
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _stop_later(supervisor: Supervisor, signum: int, after: float) -> threading.Thread:
    def stop() -> None:
        time.sleep(after)
        supervisor._forward(signum, None)

    thread = threading.Thread(target=stop)
    thread.start()
    return thread


@pytest.mark.usefixtures("_own_signal_handlers")
def test_a_child_ended_by_the_forwarded_stop_signal_is_a_clean_stop() -> None:
    supervisor = Supervisor([("fetch", _sleeper), ("parse", _sleeper)])
    stopper = _stop_later(supervisor, signal.SIGTERM, 1.0)
    started = time.monotonic()
    assert supervisor.run() == 0
    stopper.join()
    assert time.monotonic() - started < 10
    assert all(child.restarts == 0 for child in supervisor.children)


@pytest.mark.usefixtures("_own_signal_handlers")
def test_a_child_that_fails_while_stopping_gives_its_exit_code() -> None:
    def stubborn() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", (
            "import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))\n"
            "time.sleep(60)\n")])

    supervisor = Supervisor([("fetch", stubborn)])
    stopper = _stop_later(supervisor, signal.SIGTERM, 1.5)
    assert supervisor.run() == 3
    stopper.join()
