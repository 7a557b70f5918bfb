"""worker.fetch against a hostile local server: the SSRF guard, size and time limits, HTTP
semantics. Real sockets, real DNS resolution of ``localhost``; limits lowered through
``Settings(...)`` so every case ends within a few seconds."""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tests.support import HTTPTestServer, Response
from worker.errors import IngestError, PermanentError, TransientError
from worker.fetch import address_problem, fetch
from worker.settings import Settings

PAGE = b"<html><head><title>t</title></head><body><p>hello</p></body></html>"
LOOPBACK = "127.0.0.1/32"


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"fetch_allow": LOOPBACK, "fetch_total_timeout": 5.0,
                                 "fetch_read_timeout": 5.0, "fetch_connect_timeout": 2.0}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def failure(url: str, st: Settings, trail: list[str] | None = None) -> IngestError:
    with pytest.raises(IngestError) as info:
        fetch(url, st, trail=trail)
    return info.value


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPTestServer]:
    with HTTPTestServer() as srv:
        srv.add("/page", Response(200, PAGE))
        yield srv


# -- the SSRF guard ---------------------------------------------------------------------------

def test_default_settings_refuse_the_local_server(server: HTTPTestServer) -> None:
    hits = server.hits.get("/page", 0)
    error = failure(server.url("/page"), Settings())
    assert isinstance(error, PermanentError)
    assert error.reason == "blocked_address" and "loopback" in error.message
    assert server.hits.get("/page", 0) == hits  # no connection was made


def test_allow_list_cidr_opens_the_server_on_any_port(server: HTTPTestServer) -> None:
    result = fetch(server.url("/page"), settings())
    assert result.status == 200 and result.body == PAGE and result.redirects == []


def test_hostname_resolving_to_loopback_is_refused(server: HTTPTestServer) -> None:
    url = f"http://localhost:{server.port}/page"
    error = failure(url, settings(fetch_allow=""))
    assert error.reason == "blocked_address"
    assert "localhost" in error.message and "loopback" in error.message


def test_allow_list_host_name_opens_it_and_host_header_is_the_name(
        server: HTTPTestServer) -> None:
    seen: dict[str, str] = {}

    def echo(handler: BaseHTTPRequestHandler) -> Response:
        seen["host"] = handler.headers["Host"]
        seen["ua"] = handler.headers["User-Agent"]
        return Response(200, PAGE)

    server.add("/echo-host", echo)
    st = settings(fetch_allow="localhost", user_agent="news-ingest/9 (+test)")
    result = fetch(f"http://localhost:{server.port}/echo-host", st)
    assert result.status == 200
    assert seen == {"host": f"localhost:{server.port}", "ua": "news-ingest/9 (+test)"}


def test_ipv6_loopback_refused_even_with_ipv4_loopback_allowed(server: HTTPTestServer) -> None:
    error = failure(f"http://[::1]:{server.port}/page", settings())
    assert error.reason == "blocked_address" and "::1 is loopback" in error.message


def test_redirect_to_metadata_address_refused_and_chain_recorded(
        server: HTTPTestServer) -> None:
    target = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    server.add("/to-metadata", Response(302, b"", {"Location": target}))
    trail: list[str] = []
    error = failure(server.url("/to-metadata"), settings(), trail)
    assert error.reason == "blocked_address" and "metadata" in error.message
    assert trail == [target]


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/admin", "http://192.168.1.1:8080/", "http://[fd00::1]/",
    "http://[::ffff:10.0.0.1]/", "http://0.0.0.0/", "http://[::]/", "http://100.64.0.7/",
])
def test_redirect_to_private_addresses_refused(server: HTTPTestServer, target: str) -> None:
    path = f"/to-private-{abs(hash(target))}"
    server.add(path, Response(301, b"", {"Location": target}))
    assert failure(server.url(path), settings()).reason == "blocked_address"


def test_redirect_from_allowed_name_to_loopback_address_refused(
        server: HTTPTestServer) -> None:
    server.add("/to-loopback", Response(307, b"", {"Location": server.url("/page")}))
    st = settings(fetch_allow="localhost")
    assert fetch(f"http://localhost:{server.port}/page", st).status == 200
    error = failure(f"http://localhost:{server.port}/to-loopback", st)
    assert error.reason == "blocked_address" and "127.0.0.1 is loopback" in error.message


def test_port_outside_the_allowed_set_refused() -> None:
    # A public address literal (no DNS needed): refused for its port, never connected to.
    error = failure("http://93.184.216.34:22/", Settings())
    assert error.reason == "blocked_port"
    assert failure("http://93.184.216.34:6379/", Settings(fetch_allowed_ports="80")).reason \
        == "blocked_port"


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1/file", "file:///etc/passwd", "gopher://127.0.0.1:70/",
    "http://user:secret@127.0.0.1/", "http://:secret@127.0.0.1/",
])
def test_only_http_without_credentials(url: str) -> None:
    assert failure(url, settings()).reason == "invalid_url"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.5.4", "192.168.0.1", "169.254.169.254",
    "169.254.1.1", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1",
    "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1",
    "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "2002:a00:1::1",
    "2002:7f00:1::", "64:ff9b::a00:1", "64:ff9b:1::1", "2001:db8::1",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo whose client is 10.0.0.1
])
def test_non_public_addresses_have_a_problem(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", [
    "93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8",
    "2002:808:808::1", "64:ff9b::808:808",
])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


# -- size and time --------------------------------------------------------------------------

def _bomb(size: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    return b"".join([*(squeeze.compress(block) for _ in range(size >> 20)), squeeze.flush()])


def test_gzip_bomb_stops_early_without_inflating(server: HTTPTestServer) -> None:
    bomb = _bomb(128 << 20)  # 128 MiB of zeros in about 128 KiB
    assert len(bomb) < 256 << 10
    server.add("/bomb", Response(200, bomb, {"Content-Type": "text/html",
                                             "Content-Encoding": "gzip"}))
    st = settings(fetch_max_bytes=1 << 20)
    tracemalloc.start()
    started = time.monotonic()
    try:
        error = failure(server.url("/bomb"), st)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.reason == "too_large"
    assert time.monotonic() - started < 3
    # httpx's own decoder would inflate a whole 64 KiB network read (~64 MiB) at once.
    assert peak < 12 << 20, f"peak {peak >> 20} MiB while refusing the bomb"


def test_gzip_and_deflate_bodies_decoded(server: HTTPTestServer) -> None:
    server.add("/gz", Response(200, gzip.compress(PAGE), {"Content-Type": "text/html",
                                                           "Content-Encoding": "gzip"}))
    server.add("/zl", Response(200, zlib.compress(PAGE), {"Content-Type": "text/html",
                                                           "Content-Encoding": "deflate"}))
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    server.add("/raw", Response(200, raw.compress(PAGE) + raw.flush(),
                                {"Content-Type": "text/html", "Content-Encoding": "deflate"}))
    for path in ("/gz", "/zl", "/raw"):
        assert fetch(server.url(path), settings()).body == PAGE, path


def test_unknown_content_encoding_is_a_decode_error(server: HTTPTestServer) -> None:
    server.add("/br", Response(200, b"\x0b\x02\x80hello\x03", {"Content-Type": "text/html",
                                                               "Content-Encoding": "br"}))
    assert failure(server.url("/br"), settings()).reason == "decode_error"


def _stream(handler: BaseHTTPRequestHandler, pause: float, piece: bytes,
            headers: bool = True) -> None:
    """Write forever (until the client goes away), ``piece`` every ``pause`` seconds."""
    try:
        if headers:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Connection", "close")
            handler.end_headers()
        while True:
            handler.wfile.write(piece)
            handler.wfile.flush()
            if pause:
                time.sleep(pause)
    except OSError:
        handler.close_connection = True


def test_endless_body_stopped_at_the_cap(server: HTTPTestServer) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        _stream(handler, 0, b"<p>" + b"x" * 16_000 + b"</p>")

    server.add("/endless", endless)
    started = time.monotonic()
    error = failure(server.url("/endless"), settings(fetch_max_bytes=256 * 1024))
    assert error.reason == "too_large" and time.monotonic() - started < 3


def test_one_byte_a_second_body_hits_the_total_deadline(server: HTTPTestServer) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        _stream(handler, 1.0, b"x")

    server.add("/drip", drip)
    started = time.monotonic()
    error = failure(server.url("/drip"), settings(fetch_total_timeout=1.5,
                                                  fetch_read_timeout=5.0))
    elapsed = time.monotonic() - started
    assert isinstance(error, TransientError) and error.reason == "timeout"
    assert "deadline" in error.message
    assert 1.4 < elapsed < 3.0


def test_dripped_status_line_hits_the_total_deadline(server: HTTPTestServer) -> None:
    def drip_headers(handler: BaseHTTPRequestHandler) -> None:
        _stream(handler, 1.0, b"H", headers=False)

    server.add("/drip-headers", drip_headers)
    started = time.monotonic()
    error = failure(server.url("/drip-headers"), settings(fetch_total_timeout=1.5))
    assert error.reason == "timeout" and time.monotonic() - started < 3.0


# -- HTTP -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mime", ["application/pdf", "image/png", "application/json",
                                  "video/mp4"])
def test_wrong_content_type_is_unsupported(server: HTTPTestServer, mime: str) -> None:
    path = "/typed-" + mime.replace("/", "-")
    server.add(path, Response(200, b"%PDF-1.4 ...", {"Content-Type": mime}))
    error = failure(server.url(path), settings())
    assert isinstance(error, PermanentError) and error.reason == "unsupported_content_type"


def test_429_with_retry_after(server: HTTPTestServer) -> None:
    server.add("/slow-down", Response(429, b"", {"Retry-After": "120"}))
    error = failure(server.url("/slow-down"), settings())
    assert isinstance(error, TransientError) and error.reason == "http_429"
    assert error.retry_after == 120 and error.http_status == 429
    server.add("/slow-down-date", Response(429, b"", {
        "Retry-After": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                     time.gmtime(time.time() + 30))}))
    retry_after = failure(server.url("/slow-down-date"), settings()).retry_after
    assert retry_after is not None and 25 <= retry_after <= 31


def test_503_then_200(server: HTTPTestServer) -> None:
    calls: list[float] = []
    lock = threading.Lock()

    def flaky(handler: BaseHTTPRequestHandler) -> Response:
        with lock:
            calls.append(time.monotonic())
            first = len(calls) == 1
        if first:
            return Response(503, b"busy", {"Retry-After": "2", "Content-Type": "text/html"})
        return Response(200, PAGE)

    server.add("/flaky", flaky)
    error = failure(server.url("/flaky"), settings())
    assert isinstance(error, TransientError) and error.reason == "http_5xx"
    assert error.retry_after == 2 and error.http_status == 503
    assert fetch(server.url("/flaky"), settings()).body == PAGE


def test_redirect_chain_and_final_url_recorded(server: HTTPTestServer) -> None:
    server.add("/hop1", Response(301, b"", {"Location": "/hop2"}))
    server.add("/hop2", Response(302, b"", {"Location": server.url("/page")}))
    result = fetch(server.url("/hop1"), settings())
    assert result.redirects == [server.url("/hop2"), server.url("/page")]
    assert result.final_url == server.url("/page") and result.url == server.url("/hop1")


def test_a_chain_followed_earlier_resumes_at_its_last_hop(server: HTTPTestServer) -> None:
    server.add("/resume-a", Response(301, b"", {"Location": "/resume-b"}))
    server.add("/resume-b", Response(302, b"", {"Location": "/page"}))
    chain = [server.url("/resume-b")]  # put back while /resume-b waited for its host's turn
    result = fetch(server.url("/resume-a"), settings(), trail=chain)
    assert result.url == server.url("/resume-a") and result.final_url == server.url("/page")
    assert result.redirects == [server.url("/resume-b"), server.url("/page")] == chain
    # the earlier part of the chain still counts for loops and for the redirect limit
    server.add("/resume-loop", Response(302, b"", {"Location": "/resume-a"}))
    trail = [server.url("/resume-loop")]
    assert failure(server.url("/resume-a"), settings(), trail).reason == "redirect_loop"
    long_chain = [server.url(f"/hop-{i}") for i in range(10)] + [server.url("/resume-b")]
    assert failure(server.url("/resume-a"), settings(), long_chain).reason \
        == "too_many_redirects"


def test_redirect_loop_stopped(server: HTTPTestServer) -> None:
    server.add("/loop-a", Response(302, b"", {"Location": "/loop-b"}))
    server.add("/loop-b", Response(302, b"", {"Location": "/loop-a"}))
    trail: list[str] = []
    error = failure(server.url("/loop-a"), settings(), trail)
    assert error.reason == "redirect_loop"
    assert trail == [server.url("/loop-b"), server.url("/loop-a")]


def test_too_many_redirects_stopped(server: HTTPTestServer) -> None:
    for i in range(10):
        server.add(f"/chain{i}", Response(302, b"", {"Location": f"/chain{i + 1}"}))
    server.add("/chain10", Response(200, PAGE))
    assert fetch(server.url("/chain0"), settings()).final_url == server.url("/chain10")
    error = failure(server.url("/chain0"), settings(fetch_max_redirects=3))
    assert error.reason == "too_many_redirects"


def test_404_and_410_are_permanent(server: HTTPTestServer) -> None:
    server.add("/gone", Response(410, b"gone"))
    assert failure(server.url("/nothing-here"), settings()).reason == "http_404"
    assert failure(server.url("/gone"), settings()).reason == "http_410"


def test_dns_rebinding_cannot_reach_the_second_answer(server: HTTPTestServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that answers a public address when checked and loopback afterwards (DNS
    rebinding) never reaches loopback: the connection goes to the address that was vetted."""
    import socket

    import worker.fetch as fetch_module

    page = server.add_page("/rebind", "<html><body><p>secret</p></body></html>")
    port = int(page.split(":")[2].split("/")[0])
    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 10)  # public (unreachable here) first
    lookups: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host: str, *args: object, **kwargs: object) -> object:
        if host != "rebind.example":
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        address = next(answers)
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", rebinding)
    hits_before = server.hits.get("/rebind", 0)
    st = settings(fetch_allowed_ports=str(port), fetch_connect_timeout=1.0,
                  fetch_total_timeout=3.0, fetch_max_retries=0)
    error = failure(f"http://rebind.example:{port}/rebind", st)
    assert lookups[0] == "93.184.216.34"
    assert error.reason in {"timeout", "connect_error"}, error
    assert server.hits.get("/rebind", 0) == hits_before  # loopback was never reached
