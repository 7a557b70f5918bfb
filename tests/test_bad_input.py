"""Hostile and malformed input through real workers: every case ends classified, and the
workers go on to serve the next URL."""

from __future__ import annotations

import gzip

import pytest

from schemas import FETCH_TASK_NAME, IngestRequest
from tests.support import HTTPTestServer, Response, WorkerProcesses, article_html, wait_for_jobs
from worker.celery_app import FETCH_QUEUE, app
from worker.errors import REASONS

pytestmark = pytest.mark.e2e

GOOD = article_html(7).encode()
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _page(body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200,
          **headers: str) -> Response:
    return Response(status, body, {"Content-Type": content_type, **headers})


def _nested(depth: int) -> bytes:
    return ("<html><body>" + "<div>" * depth + "deep text" + "</div>" * depth
            + "</body></html>").encode()


# (name, path or absolute URL, route or None, acceptable outcomes "status:reason")
CASES: list[tuple[str, str, Response | None, set[str]]] = [
    ("not a url", "not a url", None, {"failed:invalid_url"}),
    ("ftp scheme", "ftp://example.com/file.html", None, {"failed:invalid_url"}),
    ("javascript scheme", "javascript:alert(1)", None, {"failed:invalid_url"}),
    ("file scheme", "file:///etc/passwd", None, {"failed:invalid_url"}),
    ("data scheme", "data:text/html,<p>hi</p>", None, {"failed:invalid_url"}),
    ("no host", "http://", None, {"failed:invalid_url"}),
    ("credentials", "http://user:secret@127.0.0.1:1/x", None, {"failed:invalid_url"}),
    ("space in host", "http://exa mple.com/", None, {"failed:invalid_url"}),
    ("broken ipv6", "http://[::1/", None, {"failed:invalid_url"}),
    ("port out of range", "http://example.com:99999/", None, {"failed:invalid_url"}),
    ("bad idn label", "http://xn--/", None, {"failed:invalid_url", "failed:dns_error"}),
    ("overlong url", "http://example.com/" + "a" * 5000, None, {"failed:invalid_url"}),
    ("empty body", "/bad/empty", _page(b""), {"failed:empty_body"}),
    ("whitespace body", "/bad/blank", _page(b" \n\t " * 10), {"failed:empty_body"}),
    ("png labelled html", "/bad/png", _page(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8),
     {"failed:binary_body"}),
    ("image content type", "/bad/img", _page(b"GIF89a", "image/gif"),
     {"failed:unsupported_content_type"}),
    ("pdf", "/bad/pdf", _page(b"%PDF-1.7", "application/pdf"),
     {"failed:unsupported_content_type"}),
    ("json", "/bad/json", _page(b'{"a": 1}', "application/json"),
     {"failed:unsupported_content_type"}),
    ("invalid utf-8", "/bad/utf8", _page(GOOD.replace(b"officials", b"offi\xff\xfecials")),
     {"stored:None"}),
    ("mislabelled cp1251", "/bad/cp1251",
     _page(("<html><body><p>" + "Москва является столицей России. " * 40 + "</p></body></html>")
           .encode("cp1251")), {"stored:None", "failed:no_content"}),
    ("deeply nested", "/bad/nested", _page(_nested(3000)),
     {"stored:None", "failed:no_content", "failed:parse_error"}),
    ("too large", "/bad/huge", _page(b"<p>" + b"x" * (6 * 1024 * 1024) + b"</p>"),
     {"failed:too_large"}),
    ("script only", "/bad/script", _page(b"<html><script>" + b"var a=1;" * 2000
                                         + b"</script></html>"), {"failed:no_content"}),
    ("huge attribute", "/bad/attr", _page(b'<html><body><div data-x="' + b"A" * 1_000_000
                                          + b'">short</div></body></html>'),
     {"stored:None", "failed:no_content"}),
    ("images only", "/bad/images", _page(b"<html><body>" + b'<img src="/i.png">' * 50
                                         + b"</body></html>"), {"failed:no_content"}),
    ("nul bytes", "/bad/nul", _page(b"<html><body><p>a\x00b\x00c</p>" * 50 + b"</body></html>"),
     {"failed:binary_body"}),
    ("fake gzip", "/bad/fakegz", _page(b"this is not gzip at all", "text/html",
                                       **{"Content-Encoding": "gzip"}), {"failed:decode_error"}),
    ("comment only", "/bad/comment", _page(b"<html><!-- " + b"nothing " * 500 + b"--></html>"),
     {"failed:no_content"}),
    ("frameset", "/bad/frames", _page(b'<html><frameset><frame src="/a"></frameset></html>'),
     {"failed:no_content"}),
    ("410 gone", "/bad/gone", _page(b"gone", status=410), {"failed:http_410"}),
    ("403", "/bad/forbidden", _page(b"no", status=403), {"failed:http_4xx"}),
    ("500 error", "/bad/500", _page(b"oops", status=500), {"failed:http_5xx"}),
    ("redirect to ftp", "/bad/to-ftp", _page(b"", status=302, Location="ftp://example.com/"),
     {"failed:invalid_url"}),
    ("redirect without location", "/bad/no-location", _page(b"", status=301),
     {"failed:http_4xx"}),
    ("self redirect", "/bad/loop", _page(b"", status=302, Location="/bad/loop"),
     {"failed:redirect_loop"}),
    ("gzip good page", "/bad/gz-ok", _page(gzip.compress(GOOD), "text/html; charset=utf-8",
                                           **{"Content-Encoding": "gzip"}), {"stored:None"}),
]


@pytest.fixture(scope="module")
def outcomes(http_server: HTTPTestServer, workers: WorkerProcesses) -> dict[str, str]:
    urls: dict[str, str] = {}
    for name, target, route, _ in CASES:
        if route is None:
            urls[name] = target
        else:
            urls[name] = http_server.add(target, route)
    # model_construct: the overlong URL would not pass the producer-side model either.
    requests = {name: IngestRequest.model_construct(**IngestRequest(url="http://x/").model_dump()
                                                    | {"url": url, "source": "bad-input"})
                for name, url in urls.items()}
    good = IngestRequest(url=http_server.add_page("/bad/then-good", GOOD))
    # Sent raw, past the producer's own URL validation: the worker must classify them itself.
    with app.producer_or_acquire() as producer:
        for request in [*requests.values(), good]:
            app.send_task(FETCH_TASK_NAME, args=[request.model_dump(mode="json")],
                          queue=FETCH_QUEUE, producer=producer)
    result = wait_for_jobs([r.job_id for r in requests.values()] + [good.job_id], timeout=180)
    assert result[good.job_id]["status"] == "stored"
    assert all(p.poll() is None for p in workers.procs.values()), "a worker died"
    return {name: f"{result[r.job_id]['status']}:{result[r.job_id]['reason']}"
            for name, r in requests.items()}


def test_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name, expected", [(c[0], c[3]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_case_is_classified(outcomes: dict[str, str], name: str, expected: set[str]) -> None:
    got = outcomes[name]
    assert got in expected, f"{name}: {got}"
    reason = got.split(":", 1)[1]
    assert reason == "None" or reason in REASONS

