"""robots.txt: the RFC 9309 parser, and the policy against real local servers with the
in-process cache and the shared Redis cache."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.support import HTTPTestServer, Response
from worker.errors import IngestError, PermanentError, TransientError
from worker.pipeline import fetch_and_extract
from worker.robots import MemoryCache, RedisCache, Robots, RobotsRules, agent_token
from worker.settings import Settings

ROBOTS = """# a comment
User-agent: OtherBot
Disallow: /

User-agent: *
Disallow: /private
Allow: /private/open
Crawl-delay: 7

User-agent: News-Ingest
User-agent: somebot
Disallow: /drafts/   # trailing comment
Disallow: /*.pdf$
Allow: /drafts/public
Disallow: /search?
Crawl-delay: 2.5
"""


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"fetch_allow": "127.0.0.1/32", "fetch_total_timeout": 5.0,
                                 "user_agent": "news-ingest/0.1 (+https://example.org)"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture()
def site() -> Iterator[HTTPTestServer]:
    """A fresh server per test: robots.txt belongs to an origin (host and port)."""
    srv = HTTPTestServer().__enter__()
    yield srv
    # shutdown() waits out the serve_forever poll (0.5 s): do not make every test pay it
    threading.Thread(target=srv.__exit__, daemon=True).start()


# -- the parser -------------------------------------------------------------------------------

def test_agent_token() -> None:
    assert agent_token("news-ingest/0.1 (+https://x)") == "news-ingest"
    assert agent_token("Mozilla/5.0 (compatible)") == "mozilla"


def test_our_group_applies_not_the_star_group() -> None:
    rules = RobotsRules.parse(ROBOTS, "news-ingest")
    assert rules.crawl_delay == 2.5
    assert rules.allows("/private/page")  # only the * group disallows it
    assert not rules.allows("/drafts/x")
    assert rules.allows("/drafts/public/x")  # longer Allow beats shorter Disallow
    assert not rules.allows("/files/report.pdf")
    assert rules.allows("/files/report.pdf?download=1")  # $ anchors the end
    assert not rules.allows("/search?q=x") and rules.allows("/search")
    assert rules.allows("/robots.txt")


def test_star_group_for_unknown_agents() -> None:
    rules = RobotsRules.parse(ROBOTS, "unknownbot")
    assert rules.crawl_delay == 7
    assert not rules.allows("/private/x") and rules.allows("/private/open/x")
    assert rules.allows("/drafts/x")
    assert not RobotsRules.parse(ROBOTS, "otherbot").allows("/anything")


def test_longest_match_and_allow_wins_a_tie() -> None:
    text = "User-agent: *\nDisallow: /\nAllow: /news\nDisallow: /news/\nAllow: /news/$\n" \
           "Disallow: /same\nAllow: /same\n"
    rules = RobotsRules.parse(text, "news-ingest")
    assert not rules.allows("/other")
    assert rules.allows("/news") and rules.allows("/news/")
    assert not rules.allows("/news/article")
    assert rules.allows("/same")


def test_empty_disallow_wildcards_and_encoding() -> None:
    assert RobotsRules.parse("User-agent: *\nDisallow:\n", "x").allows("/anything")
    rules = RobotsRules.parse("User-agent: *\nDisallow: /*/print\nDisallow: /caf%C3%A9\n", "x")
    assert not rules.allows("/a/b/print") and rules.allows("/print")
    assert not rules.allows("/café/menu") and not rules.allows("/caf%c3%a9/menu")
    assert rules.crawl_delay is None


def test_groups_for_the_same_agent_are_merged_and_rules_without_agent_ignored() -> None:
    text = "Disallow: /orphan\nUser-agent: news-ingest\nDisallow: /a\n\nUser-agent: x\n" \
           "Disallow: /x\n\nUser-agent: NEWS-INGEST\nDisallow: /b\nCrawl-delay: nonsense\n"
    rules = RobotsRules.parse("\ufeff" + text, "news-ingest")
    assert not rules.allows("/a") and not rules.allows("/b")
    assert rules.allows("/orphan") and rules.allows("/x")
    assert rules.crawl_delay is None


# -- the policy -----------------------------------------------------------------------------

def test_disallowed_url_fails_with_its_own_reason(site: HTTPTestServer) -> None:
    site.add("/robots.txt", Response(200, ROBOTS.encode(), {"Content-Type": "text/plain"}))
    robots = Robots(MemoryCache(), settings())
    assert robots.check(site.url("/news/1")) == 2.5
    with pytest.raises(PermanentError) as info:
        robots.check(site.url("/drafts/secret"))
    assert info.value.reason == "robots_disallowed"
    assert site.hits["/robots.txt"] == 1  # fetched once, then cached


def test_fetched_once_and_shared_through_redis(site: HTTPTestServer, redis_url: str) -> None:
    site.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /no\n",
                                     {"Content-Type": "text/plain"}))
    client = redis.Redis.from_url(redis_url)
    first, second = (Robots(RedisCache(client), settings()) for _ in range(2))
    assert first.cached(site.url("/x")) is None
    first.check(site.url("/yes"))
    assert second.cached(site.url("/x")) is not None
    with pytest.raises(PermanentError):
        second.check(site.url("/no/way"))
    assert site.hits["/robots.txt"] == 1
    key = f"news-ingest:robots:http://127.0.0.1:{site.port}"
    assert 0 < int(client.ttl(key)) <= 24 * 3600


def test_404_allows_everything(site: HTTPTestServer) -> None:
    robots = Robots(MemoryCache(), settings())
    assert robots.check(site.url("/anything")) is None
    assert robots.check(site.url("/else")) is None
    assert site.hits["/robots.txt"] == 1


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_disallow_everything(site: HTTPTestServer, status: int) -> None:
    site.add("/robots.txt", Response(status, b"no"))
    with pytest.raises(PermanentError) as info:
        Robots(MemoryCache(), settings()).check(site.url("/news/1"))
    assert info.value.reason == "robots_disallowed"


def test_5xx_is_unavailable_for_a_while(site: HTTPTestServer) -> None:
    site.add("/robots.txt", Response(503, b"down", {"Retry-After": "30"}))
    robots = Robots(MemoryCache(), settings())
    for _ in range(2):
        with pytest.raises(TransientError) as info:
            robots.check(site.url("/news/1"))
        assert info.value.reason == "robots_unavailable" and info.value.retry_after == 30
    assert site.hits["/robots.txt"] == 1  # remembered for robots_error_ttl


def test_unreachable_server_fails_with_the_connection_error() -> None:
    with pytest.raises(TransientError) as info:
        Robots(MemoryCache(), settings()).check("http://127.0.0.1:9/news")
    assert info.value.reason == "connect_error" and "robots.txt" in info.value.message


def test_robots_fetch_goes_through_the_ssrf_guard(site: HTTPTestServer) -> None:
    with pytest.raises(PermanentError) as info:
        Robots(MemoryCache(), settings(fetch_allow="")).check(site.url("/news"))
    assert info.value.reason == "blocked_address"
    assert site.hits.get("/robots.txt", 0) == 0


def test_redirected_and_huge_robots(site: HTTPTestServer) -> None:
    site.add("/robots.txt", Response(301, b"", {"Location": "/real-robots.txt"}))
    big = b"User-agent: *\nDisallow: /no\n" + b"# padding\n" * 100_000  # ~1 MB
    site.add("/real-robots.txt", Response(200, big, {"Content-Type": "text/plain"}))
    robots = Robots(MemoryCache(), settings())
    with pytest.raises(PermanentError):
        robots.check(site.url("/no/x"))
    assert robots.check(site.url("/yes")) is None


def test_setting_turns_robots_off(site: HTTPTestServer) -> None:
    site.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /\n",
                                     {"Content-Type": "text/plain"}))
    assert Robots(MemoryCache(), settings(robots_enabled=False)).check(site.url("/x")) is None
    assert site.hits.get("/robots.txt", 0) == 0


def test_cli_path_honours_robots(site: HTTPTestServer) -> None:
    site.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /private\n",
                                     {"Content-Type": "text/plain"}))
    with pytest.raises(IngestError) as info:
        fetch_and_extract(site.url("/private/" + uuid.uuid4().hex), settings())
    assert info.value.reason == "robots_disallowed"


def test_redirect_hop_to_a_disallowed_url_of_another_host(site: HTTPTestServer) -> None:
    with HTTPTestServer() as other:
        other.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /closed\n",
                                          {"Content-Type": "text/plain"}))
        other.add_page("/closed/story", "<html><body><p>never fetched</p></body></html>")
        target = other.url("/closed/story")
        site.add("/moved", Response(301, b"", {"Location": target}))
        with pytest.raises(IngestError) as info:
            fetch_and_extract(site.url("/moved"), settings())
        assert info.value.reason == "robots_disallowed"
        assert other.hits.get("/robots.txt") == 1 and "/closed/story" not in other.hits


def test_many_threads_on_a_cold_cache_fetch_robots_txt_once(site: HTTPTestServer) -> None:
    site.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /private\n",
                                     {"Content-Type": "text/plain"}, delay=0.5))
    cache = MemoryCache()
    turns: list[int] = []
    outcomes: list[object] = []

    def worker_thread(i: int) -> None:
        robots = Robots(cache, settings())  # one per task, as in the fetch stage
        path = "/private/x" if i % 2 else f"/news/{i}"
        try:
            outcomes.append(robots.check(f"http://127.0.0.1:{site.port}{path}",
                                         before_fetch=lambda: turns.append(i)))
        except PermanentError as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=worker_thread, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert site.hits.get("/robots.txt") == 1
    assert len(turns) == 1  # one rate-limit turn, taken by the thread that fetched
    assert sorted(map(str, outcomes)) == sorted(["None"] * 10 + ["robots_disallowed"] * 10)
