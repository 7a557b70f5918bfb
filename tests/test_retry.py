"""`news-ingest retry`: failed jobs re-enqueued as new jobs; old rows stay `failed`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tests.support import HTTPTestServer, WorkerProcesses, wait_for_jobs
from tests.test_e2e import ARTICLE
from worker.cli import main
from worker.queries import RetryFilter
from worker.store import get_engine, retry_jobs

# Each test fails its jobs inside its own hour of 2001, so filters never see other tests' jobs.
WINDOW = ("2001-01-01T{h}:00:00+00:00", "2001-01-01T{h}:59:59+00:00")


def _seed(hour: int, rows: list[tuple[str, str]]) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in rows]
    with get_engine().begin() as conn:
        for job_id, (url, reason) in zip(ids, rows, strict=True):
            conn.execute(text(
                "INSERT INTO ingest_jobs (id, url, source, status, reason, meta, submitted_at, "
                "finished_at) VALUES (:id, :url, 'retry-test', 'failed', :reason, "
                "'{\"feed\": 7}', :at, :at)"),
                {"id": job_id, "url": url, "reason": reason,
                 "at": datetime(2001, 1, 1, hour, 30, tzinfo=UTC)})
    return ids


def _job(job_id: str) -> dict:
    with get_engine().connect() as conn:
        return dict(conn.execute(text("SELECT * FROM ingest_jobs WHERE id = :i"),
                                 {"i": job_id}).mappings().one())


def test_selection_by_reason_domain_and_time() -> None:
    ids = _seed(3, [("https://news.a-retry.example/1", "timeout"),
                    ("https://a-retry.example/2", "timeout"),
                    ("https://other.example/3", "timeout"),
                    ("https://a-retry.example/4", "http_404")])
    since = datetime(2001, 1, 1, 3, tzinfo=UTC)
    until = datetime(2001, 1, 1, 4, tzinfo=UTC)
    published: list = []
    done = retry_jobs(RetryFilter(reasons=("timeout",), domain="a-retry.example", since=since,
                                  until=until), published.extend)
    assert {d["retry_of"] for d in done} == {ids[0], ids[1]}
    assert [r.job_id for r in published] == [d["job_id"] for d in done]
    for d in done:
        old, new = _job(d["retry_of"]), _job(d["job_id"])
        assert old["status"] == "failed" and old["meta"]["retried_as"] == d["job_id"]
        assert new["status"] == "queued" and new["url"] == old["url"]
        assert new["meta"] == {"feed": 7, "retry_of": d["retry_of"]}
        assert new["source"] == "retry-test"
    # already retried: never selected again
    assert retry_jobs(RetryFilter(reasons=("timeout",), since=since, until=until),
                      published.extend) == [
        {"retry_of": ids[2], "job_id": published[-1].job_id, "url": "https://other.example/3"}]


def test_publish_failure_records_nothing() -> None:
    [job_id] = _seed(5, [("https://b-retry.example/1", "http_5xx")])
    flt = RetryFilter(since=datetime(2001, 1, 1, 5, tzinfo=UTC),
                      until=datetime(2001, 1, 1, 6, tzinfo=UTC))

    def broken(_requests: list) -> None:
        raise RuntimeError("redis down")

    with pytest.raises(RuntimeError):
        retry_jobs(flt, broken)
    assert "retried_as" not in _job(job_id)["meta"]
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ingest_jobs WHERE meta->>'retry_of' = "
                                 ":i"), {"i": job_id}).scalar() == 0


def test_cli_retry_end_to_end(http_server: HTTPTestServer, workers: WorkerProcesses,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """A page that failed earlier (seeded as http_5xx) is there now: retry → stored."""
    url = http_server.add_page("/retry/now-there", ARTICLE.replace("Harbour", "Retried"))
    [old] = _seed(7, [(url, "http_5xx")])
    since, until = (w.format(h="07") for w in WINDOW)

    assert main(["retry", "--reason", "http_5xx", "--since", since, "--until", until,
                 "--dry-run"]) == 0
    assert capsys.readouterr().out.split("\t")[0] == old
    assert "retried_as" not in _job(old)["meta"]

    assert main(["retry"]) == 64  # no selection: refuse to retry everything by accident
    capsys.readouterr()
    assert main(["retry", "--reason", "http_5xx", "--domain", "127.0.0.1", "--since", since,
                 "--until", until]) == 0
    new_id, printed_url, note = capsys.readouterr().out.strip().split("\t")
    assert printed_url == url and note == f"retry of {old}"
    outcome = wait_for_jobs([new_id], timeout=60)
    assert outcome[new_id]["status"] == "stored"
    assert _job(old)["status"] == "failed" and _job(old)["meta"]["retried_as"] == new_id
