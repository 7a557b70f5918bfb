"""Every `sql` block of the README's "SQL cookbook" runs against a freshly migrated database
with seeded rows, and gives the answer the README promises."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support import create_database, drop_database

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def cookbook() -> list[tuple[str, str]]:
    section = README.split("## SQL cookbook", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    out = []
    for block in blocks:
        title = block.strip().splitlines()[0]
        assert title.startswith("-- "), block
        out.append((title[3:], block))
    return out


SEED = """
INSERT INTO articles (url, domain, title, text, authors, published_at, language, tags,
                      content_hash, extractor, first_seen_at) VALUES
 ('https://a.example/bridge', 'a.example', 'Harbour bridge reopens after repair',
  'The bridge was repaired over two years. Engineers replaced the cables of the bridges.',
  '{Anna Schmidt}', now() - interval '1 day', 'en', '{climate,traffic}', 'h1', 'test', now()),
 ('https://a.example/bridge-copy', 'a.example', 'Bridge reopens (syndicated)',
  'The bridge was repaired over two years. Engineers replaced the cables of the bridges.',
  '{Anna Schmidt,Ben Ode}', now() - interval '2 days', 'en', '{traffic}', 'h1', 'test',
  now() + interval '1 second'),
 ('https://a.example/old', 'a.example', 'Old news', 'Something from long ago.',
  '{Ben Ode}', now() - interval '90 days', 'en', '{climate}', 'h2', 'test', now()),
 ('https://b.example/brücke', 'b.example', 'Die Brücke ist wieder offen',
  'Nach zwei Jahren Bauzeit ist die Brücke über den Hafen wieder für den Verkehr geöffnet.',
  '{Anna Schmidt}', now() - interval '3 days', 'de', '{klima}', 'h3', 'test', now()),
 ('https://b.example/fussball', 'b.example', 'Pokalfinale am Samstag',
  'Das Pokalfinale findet am Samstag statt.', '{Carla Diaz}', now() - interval '1 hour', 'de',
  '{sport}', 'h4', 'test', now()),
 ('https://c.example/nolang', 'c.example', 'Untitled bridge note', 'bridge', '{}',
  NULL, NULL, '{}', NULL, 'test', now());
INSERT INTO ingest_jobs (id, url, source, status, reason, submitted_at, finished_at, meta)
VALUES
 (gen_random_uuid(), 'https://a.example/gone', 'feed-a', 'failed', 'http_404',
  now() - interval '2 hours', now() - interval '2 hours', '{}'),
 (gen_random_uuid(), 'https://a.example/gone2', 'feed-a', 'failed', 'http_404',
  now() - interval '3 days', now() - interval '3 days', '{"retried_as": "x"}'),
 (gen_random_uuid(), 'https://www.b.example:8080/slow', 'feed-b', 'failed', 'timeout',
  now() - interval '1 hour', now() - interval '1 hour', '{}'),
 (gen_random_uuid(), 'https://a.example/bridge', 'feed-a', 'stored', NULL,
  now() - interval '10 minutes', now() - interval '9 minutes', '{}'),
 (gen_random_uuid(), 'https://a.example/bridge-copy', 'feed-a', 'stored', NULL,
  now() - interval '10 minutes', now() - interval '7 minutes', '{}'),
 (gen_random_uuid(), 'https://b.example/brücke', 'feed-b', 'stored', NULL,
  now() - interval '5 minutes', now() - interval '4 minutes', '{}');
"""


@pytest.fixture(scope="module")
def conn(database_url: str) -> Iterator[Any]:
    name = f"news_ingest_cookbook_{uuid.uuid4().hex[:8]}"
    create_database(database_url, name)
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.set_main_option("script_location", str(ROOT / "migrations"))
        cfg.attributes["database_url"] = url
        command.upgrade(cfg, "head")
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(text(SEED))
        with engine.connect() as c:
            yield c
        engine.dispose()
    finally:
        drop_database(database_url, name)


def rows(conn: Any, sql: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(text(sql))]


def check(title: str, result: list[dict[str, Any]]) -> None:
    number = int(title.split(".", 1)[0])
    if number == 1:  # stemming: "repair" finds "repaired", "bridge" finds "bridges"
        titles = [r["title"] for r in result]
        assert set(titles) == {"Harbour bridge reopens after repair",
                               "Bridge reopens (syndicated)"}
        assert titles[0] == "Harbour bridge reopens after repair"  # title weight A
    elif number == 2:  # German stemming: "Brücken" finds "Brücke"
        assert [r["title"] for r in result] == ["Die Brücke ist wieder offen"]
        assert "<b>Brücke</b>" in result[0]["snippet"]
    elif number == 3:
        assert [r["title"] for r in result] == [
            "Harbour bridge reopens after repair", "Bridge reopens (syndicated)",
            "Die Brücke ist wieder offen"]
    elif number == 4:
        assert [r["url"] for r in result] == ["https://a.example/bridge"]
    elif number == 5:
        assert sum(r["articles"] for r in result) == 4
        assert {r["domain"] for r in result} == {"a.example", "b.example"}
    elif number == 6:
        assert [(r["domain"], r["rank"]) for r in result] == [
            ("a.example", 1), ("a.example", 2), ("b.example", 1), ("b.example", 2),
            ("c.example", 1)]
        assert result[2]["title"] == "Pokalfinale am Samstag"
    elif number == 7:
        top = result[0]
        assert (top["domain"], top["reason"], top["failures"]) == ("a.example", "http_404", 2)
        assert top["failures_24h"] == 1 and top["not_retried"] == 1
        assert top["example_url"] == "https://a.example/gone"
        assert (result[1]["domain"], result[1]["reason"]) == ("www.b.example", "timeout")
    elif number == 8:
        assert len(result) == 1 and result[0]["copies"] == 2
        assert result[0]["urls"] == ["https://a.example/bridge", "https://a.example/bridge-copy"]
    elif number == 9:
        assert result[0] == {"domain": "a.example", "author": "Anna Schmidt", "articles": 2}
        assert len(result) == 4
    elif number == 10:
        by_source = {r["source"]: r for r in result}
        assert by_source["feed-a"]["stored"] == 2 and by_source["feed-b"]["stored"] == 1
        assert by_source["feed-b"]["median"].total_seconds() == pytest.approx(60, abs=1)
    else:
        raise AssertionError(f"no expectation for cookbook query {title!r}")


def test_cookbook_has_ten_queries() -> None:
    titles = [t for t, _ in cookbook()]
    assert len(titles) == 10
    assert [int(t.split(".")[0]) for t in titles] == list(range(1, 11))


@pytest.mark.parametrize(("title", "sql"), cookbook(), ids=[t for t, _ in cookbook()])
def test_cookbook_query(conn: Any, title: str, sql: str) -> None:
    check(title, rows(conn, sql))


def test_search_uses_the_language_and_simple_fallback(conn: Any) -> None:
    config = conn.execute(text("SELECT news_ingest_regconfig('de')::text, "
                               "news_ingest_regconfig(NULL)::text, "
                               "news_ingest_regconfig('xx')::text")).one()
    assert tuple(config) == ("german", "simple", "simple")
    # no language: the `simple` configuration, unstemmed words still match
    hit = conn.execute(text("SELECT url FROM articles WHERE language IS NULL AND "
                            "search @@ plainto_tsquery('simple', 'bridge')")).scalars().all()
    assert hit == ["https://c.example/nolang"]
    assert conn.execute(text("SELECT news_ingest_url_host('HTTPS://u:p@WWW.X.org:81/a?b')"
                             )).scalar() == "www.x.org"


def test_search_index_is_used(conn: Any) -> None:
    conn.execute(text("SET enable_seqscan = off"))
    plan = "\n".join(conn.execute(text(
        "EXPLAIN SELECT id FROM articles WHERE search @@ to_tsquery('english', 'bridge')"
    )).scalars())
    conn.execute(text("RESET enable_seqscan"))
    assert "ix_articles_search" in plan
