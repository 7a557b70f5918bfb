"""End to end: a local HTTP server, real worker processes for both queues, URLs enqueued
through the public API, rows asserted in PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import redis
from sqlalchemy import text

from tests.support import HTTPTestServer, WorkerProcesses, wait_for_jobs
from worker import enqueue
from worker.demo import load_manifest

pytestmark = pytest.mark.e2e

ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour bridge reopens after two-year repair | Coastal Courier</title>
<meta name="description" content="The bridge carries 40,000 vehicles a day.">
<meta property="og:title" content="Harbour bridge reopens after two-year repair">
<meta property="og:site_name" content="Coastal Courier">
<meta property="og:image" content="/img/bridge.jpg">
<meta property="article:published_time" content="2024-03-05T09:15:00+01:00">
<meta property="article:section" content="Local">
<meta name="keywords" content="bridge, traffic, infrastructure">
<link rel="canonical" href="https://courier.example.org/local/bridge-reopens">
</head><body>
<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour bridge reopens after two-year repair</h1>
<p class="byline">By <span class="author">Ellen Marsh</span></p>
<p>The Harbour Bridge reopened to traffic on Tuesday morning after a repair programme that
lasted more than two years and cost the city almost ninety million euros, officials said.</p>
<p>Engineers replaced every one of the bridge's 212 suspension cables and resurfaced the deck,
which had developed cracks that forced a full closure in the spring of 2022.</p>
<p>Commuters who had endured detours of up to forty minutes each way welcomed the reopening.
"It feels like getting an hour of my day back," said Tomas Berg, a nurse who drives to the
hospital on the north shore every morning.</p>
<p>The city council said the bridge would now be inspected every six months rather than every
two years, and that sensors fitted to the new cables would report strain in real time.</p>
</article>
<aside><h3>Related</h3><a href="/x">Ferry timetable changes announced for summer</a></aside>
<footer>© Coastal Courier. All rights reserved.</footer>
</body></html>"""


@pytest.fixture(scope="module")
def site(http_server: HTTPTestServer) -> HTTPTestServer:
    http_server.add_page("/local/bridge-reopens", ARTICLE)
    return http_server


def _article(db, url: str) -> dict:
    row = db.execute(text("SELECT * FROM articles WHERE url = :u"), {"u": url}).mappings().first()
    assert row is not None, f"no article row for {url}"
    return dict(row)


def _job(db, job_id: str) -> dict:
    row = db.execute(text("SELECT * FROM ingest_jobs WHERE id = :i"),
                     {"i": job_id}).mappings().first()
    assert row is not None
    return dict(row)


def test_article_stored_field_by_field(site, workers: WorkerProcesses, db) -> None:
    url = site.url("/local/bridge-reopens?utm_source=newsletter")
    before = datetime.now(UTC)
    [job_id] = enqueue([url], source="e2e")
    outcome = wait_for_jobs([job_id])
    assert outcome[job_id]["status"] == "stored", outcome
    row = _article(db, site.url("/local/bridge-reopens"))
    assert row["title"] == "Harbour bridge reopens after two-year repair"
    assert row["domain"] == "127.0.0.1"
    assert row["final_url"] == url
    assert row["canonical_url"] == "https://courier.example.org/local/bridge-reopens"
    assert row["description"] == "The bridge carries 40,000 vehicles a day."
    assert row["text"].startswith("The Harbour Bridge reopened to traffic on Tuesday morning")
    assert "sensors fitted to the new cables" in row["text"]
    assert "Ferry timetable" not in row["text"] and "All rights reserved" not in row["text"]
    assert row["text"].count("\n\n") == 3  # four paragraphs
    assert row["published_at"] == datetime(2024, 3, 5, 8, 15, tzinfo=UTC)
    assert row["language"] == "en"
    assert row["section"] == "Local"
    assert row["publisher"] == "Coastal Courier"
    assert row["top_image"] == site.url("/img/bridge.jpg")
    assert {"bridge", "traffic", "infrastructure"} <= {t.lower() for t in row["tags"]}
    assert row["word_count"] == len(row["text"].split())
    assert row["content_hash"] and len(row["content_hash"]) == 64
    assert row["http_status"] == 200
    assert row["extractor"].split("/")[0] in {"newspaper3k", "trafilatura"}
    assert row["provenance"]["text"] == row["extractor"]
    assert before <= row["fetched_at"] <= datetime.now(UTC)
    assert row["first_seen_at"] <= row["updated_at"]
    job = _job(db, job_id)
    assert job["status"] == "stored" and job["article_id"] == row["id"]
    assert job["source"] == "e2e" and job["attempts"] == 1 and job["reason"] is None
    assert job["http_status"] == 200 and job["finished_at"] >= job["started_at"]


def test_same_url_twice_one_article_two_jobs(site, workers: WorkerProcesses, db) -> None:
    site.add_page("/twice", ARTICLE.replace("Harbour bridge", "Twice-told bridge"))
    url = site.url("/twice")
    first = enqueue([url])
    wait_for_jobs(first)
    second = enqueue([url + "#comments"])  # a fragment is the same article
    wait_for_jobs(second)
    articles = db.execute(text("SELECT id, first_seen_at, updated_at FROM articles "
                               "WHERE url = :u"), {"u": url}).all()
    assert len(articles) == 1
    jobs = db.execute(text("SELECT status, article_id FROM ingest_jobs WHERE id IN (:a, :b)"),
                      {"a": first[0], "b": second[0]}).all()
    assert [j.status for j in jobs] == ["stored", "stored"]
    assert {j.article_id for j in jobs} == {articles[0].id}


def test_404_and_unreachable_fail_with_reasons_and_worker_goes_on(
        site, workers: WorkerProcesses, db) -> None:
    missing = site.url("/no-such-page")
    unreachable = "http://127.0.0.1:9/closed-port"  # discard port: connection refused
    good = site.add_page("/after-failures", ARTICLE.replace("Harbour", "Northern"))
    ids = enqueue([missing, unreachable, good])
    outcome = wait_for_jobs(ids, timeout=120)
    assert outcome[ids[0]]["status"] == "failed" and outcome[ids[0]]["reason"] == "http_404"
    assert outcome[ids[1]]["status"] == "failed"
    assert outcome[ids[1]]["reason"] == "connect_error"
    assert outcome[ids[2]]["status"] == "stored"
    assert _job(db, ids[0])["http_status"] == 404
    assert _job(db, ids[1])["attempts"] == 2  # one try plus one retry (max retries 1)
    assert all(p.poll() is None for p in workers.procs.values())


def test_bundled_samples_land_with_expected_fields(workers: WorkerProcesses, db) -> None:
    from worker.demo import SampleServer

    with SampleServer() as server:
        samples = load_manifest()
        ids = enqueue([server.url(s.path) for s in samples], source="samples")
        outcome = wait_for_jobs(ids)
        for job_id, sample in zip(ids, samples, strict=True):
            assert outcome[job_id]["status"] == "stored", (sample.file, outcome[job_id])
            row = _article(db, server.url(sample.path))
            assert row["title"] == sample.expect["title"]
            assert row["language"] == sample.expect["language"]
            assert list(row["authors"]) == sample.expect["authors"], sample.file
            published = sample.expect["published"]
            assert row["published_at"] == (
                datetime.fromisoformat(published) if published else None), sample.file
            assert row["text"].startswith(sample.expect["body_starts_with"])
            for snippet in sample.expect["body_must_not_contain"]:
                assert snippet not in row["text"], (sample.file, snippet)


def test_plain_redis_message_from_another_language(site, workers: WorkerProcesses,
                                                   redis_url: str, db) -> None:
    """The README's raw-Redis recipe: no Celery client, just LPUSH of a JSON message."""
    site.add_page("/from-node", ARTICLE.replace("Harbour", "Eastern"))
    job_id = str(uuid.uuid4())
    request = {"v": 1, "job_id": job_id, "url": site.url("/from-node"), "source": "node"}
    message = {
        "body": _b64(json.dumps([[request], {}, {}])),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {"lang": "js", "task": "news_ingest.fetch", "id": job_id,
                    "root_id": job_id, "parent_id": None, "group": None},
        "properties": {"correlation_id": job_id, "delivery_mode": 2,
                       "delivery_tag": job_id, "body_encoding": "base64",
                       "delivery_info": {"exchange": "news_ingest", "routing_key": "fetch"}},
    }
    redis.Redis.from_url(redis_url).lpush("fetch", json.dumps(message))
    outcome = wait_for_jobs([job_id])
    assert outcome[job_id]["status"] == "stored"
    job = _job(db, job_id)
    assert job["source"] == "node" and job["url"] == site.url("/from-node")


def _b64(data: str) -> str:
    import base64

    return base64.b64encode(data.encode()).decode()
