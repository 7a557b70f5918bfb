"""The embedded default: local PostgreSQL and Redis server processes for this checkout.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset. Data, logs and state live under one
folder (``NEWS_INGEST_HOME``, default ``./.news-ingest``); both servers listen on 127.0.0.1 on
ports chosen at first start and kept in ``services.json``. PostgreSQL refuses to run as root, so
as root its data folder is given to the ``postgres`` user (or ``nobody``) and its binaries run
through ``runuser``.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from worker.settings import Settings, get_settings

__all__ = ["database_url", "redis_url", "start", "stop", "status", "ServiceError",
           "EmbeddedStatus"]

DB_NAME = "news_ingest"


class ServiceError(RuntimeError):
    """The embedded servers cannot be started or reached; the message says how to fix it."""


@dataclass
class EmbeddedStatus:
    home: Path
    postgres_running: bool
    redis_running: bool
    database_url: str | None
    redis_url: str | None
    external_database: bool
    external_redis: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "home": str(self.home),
            "postgres": "external" if self.external_database else (
                "running" if self.postgres_running else "stopped"),
            "redis": "external" if self.external_redis else (
                "running" if self.redis_running else "stopped"),
            "database_url": self.database_url,
            "redis_url": self.redis_url,
        }


def _home(settings: Settings) -> Path:
    return settings.home.expanduser().resolve()


def _state_path(settings: Settings) -> Path:
    return _home(settings) / "services.json"


def _read_state(settings: Settings) -> dict[str, int]:
    try:
        return dict(json.loads(_state_path(settings).read_text()))
    except (OSError, ValueError):
        return {}


def _embedded_db_url(port: int) -> str:
    return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{DB_NAME}"


def _embedded_redis_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def database_url(settings: Settings | None = None) -> str:
    """The PostgreSQL URL in use: ``DATABASE_URL`` or the embedded server's."""
    settings = settings or get_settings()
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        return url
    state = _read_state(settings)
    if "pg_port" not in state:
        raise ServiceError("DATABASE_URL is not set and the embedded PostgreSQL has never been "
                           "started: run `news-ingest services start` or set DATABASE_URL")
    return _embedded_db_url(state["pg_port"])


def redis_url(settings: Settings | None = None) -> str:
    """The Redis URL in use: ``REDIS_URL`` or the embedded server's."""
    settings = settings or get_settings()
    if settings.redis_url:
        return settings.redis_url
    state = _read_state(settings)
    if "redis_port" not in state:
        raise ServiceError("REDIS_URL is not set and the embedded Redis has never been "
                           "started: run `news-ingest services start` or set REDIS_URL")
    return _embedded_redis_url(state["redis_port"])


# -- binaries -------------------------------------------------------------------------------

def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise ServiceError(f"PostgreSQL's {name} was not found: install the server "
                       "(Debian: `apt-get install postgresql`) or set DATABASE_URL")


def _redis_bin() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if not found:
        raise ServiceError("redis-server was not found: install it "
                           "(Debian: `apt-get install redis-server`) or set REDIS_URL")
    return found


def _pg_user() -> str | None:
    """As root, the unprivileged account PostgreSQL runs as; ``None`` when not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ServiceError("running as root and no unprivileged `postgres` or `nobody` user exists")


def _as_pg_user(cmd: list[str]) -> list[str]:
    user = _pg_user()
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/", **kwargs)  # type: ignore[call-overload, no-any-return]


# -- PostgreSQL -----------------------------------------------------------------------------

def _pg_running(data: Path) -> bool:
    if not (data / "PG_VERSION").exists():
        return False
    return _run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(data), "status"])).returncode == 0


def _start_postgres(home: Path, port: int) -> None:
    pg_dir = home / "postgres"
    data = pg_dir / "data"
    user = _pg_user()
    pg_dir.mkdir(parents=True, exist_ok=True)
    if user:
        shutil.chown(pg_dir, user, user)
        os.chmod(pg_dir, 0o700)
        if _run(["runuser", "-u", user, "--", "test", "-x", str(pg_dir)]).returncode != 0:
            raise ServiceError(
                f"running as root, PostgreSQL runs as `{user}`, who cannot reach {pg_dir}: "
                "a parent folder is not traversable. Set NEWS_INGEST_HOME to a folder under "
                "/tmp or /var/tmp (e.g. NEWS_INGEST_HOME=/var/tmp/news-ingest)")
    if _pg_running(data):
        return
    if not (data / "PG_VERSION").exists():
        result = _run(_as_pg_user([
            _pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync"]))
        if result.returncode != 0:
            raise ServiceError(f"initdb failed: {result.stderr.strip() or result.stdout}")
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories= "
               "-c max_connections=300 -c shared_buffers=128MB")
    result = _run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(data), "-l",
                               str(pg_dir / "server.log"), "-w", "-t", "60", "-o", options,
                               "start"]))
    if result.returncode != 0:
        log = ""
        with contextlib.suppress(OSError):
            log = (pg_dir / "server.log").read_text()[-2000:]
        raise ServiceError(f"PostgreSQL did not start: {result.stderr.strip()}\n{log}")
    _ensure_database(port)


def _ensure_database(port: int) -> None:
    import psycopg2

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres",
                                    dbname="postgres", connect_timeout=5)
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        conn.close()


def _stop_postgres(home: Path) -> None:
    data = home / "postgres" / "data"
    if _pg_running(data):
        _run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]))


# -- Redis ----------------------------------------------------------------------------------

def _redis_ping(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1,
                                socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _start_redis(home: Path, port: int) -> None:
    rdir = home / "redis"
    rdir.mkdir(parents=True, exist_ok=True)
    if _redis_ping(port):
        return
    result = _run([_redis_bin(), "--port", str(port), "--bind", "127.0.0.1",
                   "--dir", str(rdir), "--appendonly", "yes", "--appendfsync", "everysec",
                   "--save", "", "--daemonize", "yes", "--pidfile", str(rdir / "redis.pid"),
                   "--logfile", str(rdir / "redis.log"), "--protected-mode", "yes"])
    if result.returncode != 0:
        raise ServiceError(f"redis-server did not start: {result.stderr or result.stdout}")
    deadline = time.monotonic() + 15
    while not _redis_ping(port):
        if time.monotonic() > deadline:
            raise ServiceError(f"redis-server did not answer; see {rdir / 'redis.log'}")
        time.sleep(0.05)


def _stop_redis(home: Path, port: int) -> None:
    pidfile = home / "redis" / "redis.pid"
    if _redis_ping(port):
        import redis

        with contextlib.suppress(redis.RedisError):
            redis.Redis(host="127.0.0.1", port=port).shutdown(nosave=True)
    deadline = time.monotonic() + 10
    while _redis_ping(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(OSError):
        pidfile.unlink()


# -- public ---------------------------------------------------------------------------------

@contextlib.contextmanager
def _locked(home: Path):  # type: ignore[no-untyped-def]
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "services.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def start(settings: Settings | None = None) -> EmbeddedStatus:
    """Start (or reuse) the embedded servers that the environment does not replace."""
    settings = settings or get_settings()
    home = _home(settings)
    if settings.database_url and settings.redis_url:
        return status(settings)
    with _locked(home):
        state = _read_state(settings)
        if not settings.database_url:
            port = state.get("pg_port")
            if port is None or (not _pg_running(home / "postgres" / "data")
                                and _port_open(port)):
                port = _free_port()
            _start_postgres(home, port)
            state["pg_port"] = port
        if not settings.redis_url:
            port = state.get("redis_port")
            if port is None or (not _redis_ping(port) and _port_open(port)):
                port = _free_port()
            _start_redis(home, port)
            state["redis_port"] = port
        _state_path(settings).write_text(json.dumps(state, indent=2))
    return status(settings)


def stop(settings: Settings | None = None,
         which: tuple[str, ...] = ("postgres", "redis")) -> EmbeddedStatus:
    """Stop the embedded servers (both, or those named in ``which``)."""
    settings = settings or get_settings()
    home = _home(settings)
    with _locked(home):
        state = _read_state(settings)
        if not settings.database_url and "postgres" in which:
            _stop_postgres(home)
        if not settings.redis_url and "redis_port" in state and "redis" in which:
            _stop_redis(home, state["redis_port"])
    return status(settings)


def status(settings: Settings | None = None) -> EmbeddedStatus:
    settings = settings or get_settings()
    home = _home(settings)
    state = _read_state(settings)
    db = None
    with contextlib.suppress(ServiceError):
        db = database_url(settings)
    rd = None
    with contextlib.suppress(ServiceError):
        rd = redis_url(settings)
    pg_up = bool(settings.database_url) or (
        "pg_port" in state and _pg_running(home / "postgres" / "data"))
    redis_up = bool(settings.redis_url) or (
        "redis_port" in state and _redis_ping(state["redis_port"]))
    return EmbeddedStatus(home=home, postgres_running=pg_up, redis_running=redis_up,
                          database_url=db, redis_url=rd,
                          external_database=bool(settings.database_url),
                          external_redis=bool(settings.redis_url))
