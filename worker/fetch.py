"""HTTP fetching: the only module that opens network connections to publishers.

Safety first (server-side request forgery): the host of every URL, and of every redirect hop,
is resolved here and each address vetted before a socket is opened; the connection is then
made to that vetted address itself (a custom httpcore network backend), so a DNS answer that
changes between check and connect (rebinding) cannot slip through, while the ``Host`` header
and the TLS server name stay the URL's host name. Loopback, private, link-local (cloud metadata
at 169.254.169.254), shared/CGNAT, multicast, reserved and unspecified addresses are refused
(``blocked_address``), in IPv4 and IPv6, including IPv4 addresses embedded in IPv6 ones
(IPv4-mapped, 6to4, Teredo, NAT64); ports outside ``NEWS_INGEST_FETCH_ALLOWED_PORTS`` are
refused (``blocked_port``). ``NEWS_INGEST_FETCH_ALLOW`` lists CIDRs and host names that are let
through on any port. Only http(s) without credentials gets this far (:func:`validate_url`).

Then: explicit connect/read timeouts and a total deadline per fetch enforced on every socket
operation (slow-drip servers), a streamed body-size cap applied while decompressing (the
inflater never produces more than the cap, so a gzip bomb stops after a few kilobytes of
input), redirects followed by hand (each hop recorded, loops and over-long chains stopped),
and every httpx exception translated into the :mod:`worker.errors` tree here.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from worker.errors import IngestError, PermanentError, TransientError
from worker.settings import Settings, get_settings
from worker.urls import normalize_url, validate_url

__all__ = ["FetchResult", "fetch", "prepare", "HTML_CONTENT_TYPES", "Guard", "guard_for",
           "address_problem"]

HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml",
                                "text/xml", "text/plain", ""})
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
_ACCEPT_ENCODING = "gzip, deflate"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Not covered by the ipaddress module's is_private/is_global flags in every Python version.
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_METADATA = frozenset({ipaddress.ip_address("169.254.169.254"),
                       ipaddress.ip_address("fd00:ec2::254")})


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


# -- the address guard ----------------------------------------------------------------------

def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched from (None when it is a public unicast address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: list[tuple[str, ipaddress.IPv4Address]] = []
        if ip.ipv4_mapped is not None:
            embedded.append(("IPv4-mapped", ip.ipv4_mapped))
        if ip.sixtofour is not None:
            embedded.append(("6to4", ip.sixtofour))
        if ip.teredo is not None:
            embedded += [("Teredo server", ip.teredo[0]), ("Teredo client", ip.teredo[1])]
        if ip in _NAT64:
            embedded.append(("NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip in _NAT64_LOCAL:
            return "local-use NAT64"
        for label, inner in embedded:
            problem = address_problem(inner)
            if problem:
                return f"{label} {inner} is {problem}"
        if ip.ipv4_mapped is not None or ip in _NAT64:
            return None  # the embedded public IPv4 address is what is reached
    if ip in _METADATA:
        return "a cloud metadata address"
    checks = (("is_unspecified", "unspecified"), ("is_loopback", "loopback"),
              ("is_link_local", "link-local"), ("is_multicast", "multicast"),
              ("is_private", "private"), ("is_reserved", "reserved"))
    for attr, label in checks:
        if getattr(ip, attr):
            return label
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "shared address space (CGNAT)"
    if not ip.is_global:
        return "not globally routable"
    return None


def _plain(ip: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address as the IPv4 address it is (for allow-list matching)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True)
class Guard:
    """Which destinations a fetch may connect to; built from the settings by :func:`guard_for`."""

    ports: frozenset[int]
    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, allow: str, ports: str) -> Guard:
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        suffixes: list[str] = []
        for raw in allow.split(","):
            entry = raw.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if entry.startswith("*."):
                entry = entry[1:]
            if entry.startswith("."):
                suffixes.append(entry.rstrip("."))
            else:
                hosts.add(entry.rstrip("."))
        try:
            port_set = frozenset(int(p) for p in ports.split(",") if p.strip())
        except ValueError as exc:
            raise ValueError(f"NEWS_INGEST_FETCH_ALLOWED_PORTS is not a list of ports: "
                             f"{ports!r}") from exc
        return cls(ports=port_set, networks=tuple(networks), hosts=frozenset(hosts),
                   suffixes=tuple(suffixes))

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(host == s[1:] or host.endswith(s)
                                         for s in self.suffixes)

    def ip_allowed(self, ip: IPAddress) -> bool:
        ip = _plain(ip)
        return any(ip in net for net in self.networks)

    def vet(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` and return the addresses a connection may use, or raise
        ``blocked_address`` / ``blocked_port`` / ``dns_error``."""
        by_name = self.host_allowed(host)
        addresses = _resolve(host, port)
        vetted: list[str] = []
        for ip in addresses:
            if by_name or self.ip_allowed(ip):
                vetted.append(str(ip))
                continue
            problem = address_problem(ip)
            if problem:
                shown = host if host == str(ip) else f"{host} ({ip})"
                raise PermanentError("blocked_address", f"{shown} is {problem}; refused by the "
                                     "SSRF guard (see NEWS_INGEST_FETCH_ALLOW)")
            if port not in self.ports:
                raise PermanentError("blocked_port", f"port {port} of {host} is not in the "
                                     f"allowed ports {sorted(self.ports)}")
            vetted.append(str(ip))
        return vetted


@lru_cache(maxsize=16)
def _guard(allow: str, ports: str) -> Guard:
    return Guard.parse(allow, ports)


def guard_for(settings: Settings) -> Guard:
    return _guard(settings.fetch_allow, settings.fetch_allowed_ports)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            raise PermanentError("dns_error", f"host {host} does not resolve") from exc
        if exc.errno == socket.EAI_AGAIN:
            raise TransientError("dns_error", f"cannot resolve host {host} now") from exc
        raise TransientError("dns_error", f"resolving {host}: {exc}") from exc
    except UnicodeError as exc:
        raise PermanentError("invalid_url", f"host {host!r} is not a valid name") from exc
    seen: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in seen:
            seen.append(ip)
    if not seen:
        raise PermanentError("dns_error", f"host {host} has no address")
    return seen


# -- the network backend: connect to the vetted address, bound every I/O by the deadline ----

_local = threading.local()


def _bounded(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of this thread's fetch deadline."""
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise TransientError("timeout", "total fetch deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname,
                                                      _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves and vets the host itself, then connects to the vetted IP address.

    httpcore still sends the URL's host in ``Host`` and uses it as TLS server name and for
    certificate checks, so only the address lookup is taken out of its hands.
    """

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        self._plain = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self._guard.vet(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self._plain.connect_tcp(address, port, _bounded(timeout),
                                                 local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        raise PermanentError("blocked_address", "unix sockets are never fetched from")

    def sleep(self, seconds: float) -> None:
        self._plain.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the connection pool on :class:`GuardedBackend`."""

    def __init__(self, guard: Guard, limits: httpx.Limits) -> None:
        context = _shared_ssl_context()
        super().__init__(verify=context, limits=limits, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard),
        )


_ssl_lock = threading.Lock()
_ssl_context: tuple[int, Any] | None = None
# Connections one thread's client keeps: a fetch thread does one request at a time, and a
# redirect to another host needs a second connection while the first may still be kept.
_THREAD_MAX_CONNECTIONS = 4
_THREAD_KEEPALIVE_CONNECTIONS = 2


def _shared_ssl_context() -> Any:
    """One TLS context per process (loading the CA bundle takes milliseconds), shared by every
    thread's client; re-created after fork."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None or _ssl_context[0] != os.getpid():
            _ssl_context = (os.getpid(), httpx.create_ssl_context(trust_env=False))
        return _ssl_context[1]


def _get_client(settings: Settings) -> httpx.Client:
    """This thread's pooled client for this configuration (re-created after fork).

    One client per thread rather than one shared by all: httpcore's pool scans every
    connection it holds on each request and each response close, so one pool of a hundred
    threads' connections cost the fetch worker a fifth of its CPU. A thread's own pool holds
    the few connections that thread uses; keep-alive works as before, per thread.
    """
    key = (os.getpid(), guard_for(settings), settings.user_agent,
           settings.fetch_connect_timeout, settings.fetch_read_timeout)
    clients: dict[tuple[Any, ...], httpx.Client] | None = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    client = clients.get(key)
    if client is None:
        if any(k[0] != key[0] for k in clients):
            clients.clear()  # inherited from the parent process: never reuse its sockets
        limits = httpx.Limits(max_connections=_THREAD_MAX_CONNECTIONS,
                              max_keepalive_connections=_THREAD_KEEPALIVE_CONNECTIONS)
        client = httpx.Client(
            transport=GuardedTransport(guard_for(settings), limits),
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=settings.fetch_connect_timeout,
                read=settings.fetch_read_timeout,
                write=settings.fetch_read_timeout,
                pool=settings.fetch_connect_timeout,
            ),
            headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT,
                     "Accept-Encoding": _ACCEPT_ENCODING},
            trust_env=False,
        )
        clients[key] = client
    return client


def prepare(settings: Settings | None = None) -> None:
    """Set up this process's pooled client now, so that a request whose turn has come (rate
    limit) is not held up by TLS context loading and the like."""
    _get_client(settings or get_settings())


# -- HTTP -----------------------------------------------------------------------------------

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


def fetch(url: str, settings: Settings | None = None, *,
          content_types: frozenset[str] | None = HTML_CONTENT_TYPES,
          max_bytes: int | None = None, truncate: bool = False,
          trail: list[str] | None = None,
          before_hop: Callable[[str], object] | None = None) -> FetchResult:
    """GET ``url`` and return the body, or raise a classified :class:`IngestError`.

    ``before_hop``, when given, is called with every redirect target before it is requested
    (the worker checks robots.txt of the target's host there) and may raise to stop.

    ``content_types`` (None: any) are the media types accepted; ``max_bytes`` overrides the
    decoded-size cap, and with ``truncate`` a longer body is cut there instead of refused.
    ``trail``, when given, receives each redirect target as it is followed, so a caller still
    knows the chain when the fetch fails. A non-empty ``trail`` continues a chain followed
    earlier (a fetch put back while a hop waited for its host's turn): the request goes to its
    last URL, and loop detection and the redirect limit count the whole chain.
    """
    settings = settings or get_settings()
    url = validate_url(url)
    client = _get_client(settings)
    started = time.monotonic()
    deadline = started + settings.fetch_total_timeout
    redirects: list[str] = [] if trail is None else trail
    seen = {normalize_url(u) for u in (url, *redirects)}
    current = redirects[-1] if redirects else url
    outer = getattr(_local, "deadline", None)
    _local.deadline = deadline
    try:
        while True:
            response, body = _translated_get(client, current, deadline, settings,
                                             content_types, max_bytes, truncate)
            status = response.status_code
            if status in _REDIRECT_CODES:
                current = _follow(current, response, redirects, seen, settings, url)
                if before_hop is not None:
                    before_hop(current)
                continue
            if status >= 400:
                raise _status_error(status, current,
                                    _retry_after(response.headers.get("retry-after")))
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
                redirects=list(redirects),
                elapsed_ms=(time.monotonic() - started) * 1000,
            )
    finally:
        _local.deadline = outer


def _follow(current: str, response: httpx.Response, redirects: list[str], seen: set[str],
            settings: Settings, origin: str) -> str:
    """The next hop of a redirect, recorded in ``redirects``; loops and long chains refused."""
    status = response.status_code
    location = response.headers.get("location")
    if not location:
        raise PermanentError("http_4xx", f"{current} redirected without a Location",
                             http_status=status)
    target = urljoin(current, location.strip())
    try:
        target = validate_url(target)
        key = normalize_url(target)
    except PermanentError as exc:
        raise PermanentError("invalid_url", f"redirect to a bad URL: {exc.message}",
                             http_status=status) from exc
    redirects.append(target)
    if key in seen:
        raise PermanentError("redirect_loop", f"redirect loop back to {target}",
                             http_status=status)
    if len(redirects) > settings.fetch_max_redirects:
        raise PermanentError("too_many_redirects",
                             f"more than {settings.fetch_max_redirects} redirects from {origin}",
                             http_status=status)
    seen.add(key)
    return target


def _translated_get(client: httpx.Client, url: str, deadline: float, settings: Settings,
                    content_types: frozenset[str] | None, max_bytes: int | None,
                    truncate: bool) -> tuple[httpx.Response, bytes]:
    """One GET with every httpx exception translated into the error tree."""
    try:
        return _get_once(client, url, deadline, settings, content_types, max_bytes, truncate)
    except IngestError:
        raise
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline:
            raise TransientError("timeout", f"{url}: total fetch deadline of "
                                 f"{settings.fetch_total_timeout:g}s passed") from exc
        if isinstance(exc, httpx.ConnectTimeout):
            raise TransientError("timeout", f"connecting to {url} timed out") from exc
        raise TransientError("timeout", f"{url}: {type(exc).__name__}") from exc
    except httpx.ConnectError as exc:
        raise TransientError("connect_error", f"{url}: {exc or type(exc).__name__}") from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise TransientError("connection_reset", f"{url}: {exc or type(exc).__name__}") \
            from exc
    except httpx.DecodingError as exc:
        raise PermanentError("decode_error", f"{url}: bad content encoding: {exc}") from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise PermanentError("invalid_url", f"{url}: {exc}") from exc
    except httpx.HTTPError as exc:
        raise TransientError("connect_error", f"{url}: {exc!r}") from exc


def _content_type(header: str) -> tuple[str, str | None]:
    mime, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _get_once(client: httpx.Client, url: str, deadline: float, settings: Settings,
              content_types: frozenset[str] | None, max_bytes: int | None,
              truncate: bool) -> tuple[httpx.Response, bytes]:
    cap = settings.fetch_max_bytes if max_bytes is None else max_bytes
    with client.stream("GET", url) as response:
        status = response.status_code
        if status in _REDIRECT_CODES or status >= 400:
            return response, b""
        mime, _ = _content_type(response.headers.get("content-type", ""))
        if content_types is not None and mime not in content_types:
            raise PermanentError("unsupported_content_type",
                                 f"{url} is {mime!r}, not HTML", http_status=status)
        declared = response.headers.get("content-length", "")
        encodings = _encodings(response.headers.get("content-encoding", ""), url, status)
        if not truncate and not encodings and declared.isdigit() and int(declared) > cap:
            raise PermanentError("too_large", f"{url} declares {declared} bytes (cap {cap})",
                                 http_status=status)
        body = _read_capped(response.iter_raw(), encodings, cap, truncate, url, status,
                            deadline, settings)
        return response, body


def _encodings(header: str, url: str, status: int) -> list[str]:
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        raise PermanentError("decode_error", f"{url}: unsupported content encoding "
                             f"{header!r}", http_status=status)
    return codings


class _Inflater:
    """gzip/deflate decoding that never produces more than it is asked for."""

    def __init__(self, coding: str) -> None:
        self._deflate = coding == "deflate"
        wbits = zlib.MAX_WBITS if self._deflate else 16 + zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> tuple[bytes, bool]:
        """At most ``room`` decoded bytes of ``data``, and whether more output is pending."""
        if self._obj.eof:
            return b"", False
        try:
            out = self._obj.decompress(data, room)
        except zlib.error:
            if not (self._deflate and not self._started):
                raise
            # "deflate" sent as a raw stream without the zlib header.
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._obj.decompress(data, room)
        self._started = True
        return out, bool(self._obj.unconsumed_tail)

    def finish(self, room: int) -> bytes:
        return b"" if self._obj.eof else self._obj.flush(max(1, room))


def _read_capped(chunks: Iterator[bytes], encodings: list[str], cap: int, truncate: bool,
                 url: str, status: int, deadline: float, settings: Settings) -> bytes:
    """The decoded body, stopped as soon as it would exceed ``cap`` (bombs never inflate)."""
    inflater = _Inflater(encodings[0]) if encodings else None
    parts: list[bytes] = []
    size = 0
    try:
        for raw in chunks:
            if time.monotonic() > deadline:
                raise TransientError("timeout", f"{url}: total fetch deadline of "
                                     f"{settings.fetch_total_timeout:g}s passed",
                                     http_status=status)
            pending = False
            if inflater is None:
                data = raw
            else:
                data, pending = inflater.feed(raw, cap - size + 1)
            if pending or size + len(data) > cap:
                if truncate:
                    parts.append(data[:cap - size])
                    return b"".join(parts)
                raise PermanentError("too_large", f"{url} body exceeds {cap} bytes",
                                     http_status=status)
            parts.append(data)
            size += len(data)
        if inflater is not None:
            tail = inflater.finish(cap - size + 1)
            if size + len(tail) > cap and not truncate:
                raise PermanentError("too_large", f"{url} body exceeds {cap} bytes",
                                     http_status=status)
            parts.append(tail[:cap - size])
    except zlib.error as exc:
        raise PermanentError("decode_error", f"{url}: bad content encoding: {exc}",
                             http_status=status) from exc
    return b"".join(parts)
