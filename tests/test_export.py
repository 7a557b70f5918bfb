"""`news-ingest export`: jsonl, csv and parquet streamed from the store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from worker.cli import main
from worker.queries import iter_articles
from worker.store import get_engine

SINCE, UNTIL = "2002-02-02T00:00:00+00:00", "2002-02-03T00:00:00+00:00"


@pytest.fixture(scope="module", autouse=True)
def seeded(database_url: str) -> None:
    with get_engine().begin() as conn:
        conn.execute(text("""
            INSERT INTO articles (url, domain, title, text, authors, tags, published_at,
                                  language, extractor, provenance, word_count, first_seen_at,
                                  updated_at)
            SELECT 'https://export.example/' || i, 'export.example', 'Export ' || i,
                   'Body, with "quotes"' || E'\\n' || 'and a second line ' || i,
                   ARRAY['Ann', 'Bo'], ARRAY['x'], '2002-01-01T10:00:00Z', 'en', 'test',
                   '{"title": "og"}', 7, '2002-02-02T01:00:00Z',
                   timestamptz '2002-02-02T01:00:00Z' + i * interval '1 minute'
            FROM generate_series(1, 5) AS i;
            INSERT INTO articles (url, domain, title, extractor, updated_at)
            VALUES ('https://export.example/later', 'export.example', 'Later', 'test',
                    '2002-02-04T00:00:00Z');
        """))


def test_iter_articles_streams_in_id_order_with_small_batches() -> None:
    rows = list(iter_articles(since=datetime(2002, 2, 2, tzinfo=UTC),
                              until=datetime(2002, 2, 3, tzinfo=UTC), batch=2))
    assert [r["title"] for r in rows] == [f"Export {i}" for i in range(1, 6)]
    assert "search" not in rows[0]
    assert rows[0]["authors"] == ["Ann", "Bo"]


def test_jsonl_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--since", SINCE, "--until", UNTIL]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["url"] for r in lines] == [f"https://export.example/{i}" for i in range(1, 6)]
    assert lines[0]["provenance"] == {"title": "og"} and lines[0]["tags"] == ["x"]
    assert lines[0]["published_at"] == "2002-01-01T10:00:00+00:00"
    assert "exported 5 article(s)" in captured.err


def test_csv_file(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    assert main(["export", "--since", SINCE, "--until", UNTIL, "--domain", "export.example",
                 "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 5
    assert rows[0]["text"] == 'Body, with "quotes"\nand a second line 1'
    assert json.loads(rows[0]["authors"]) == ["Ann", "Bo"]
    assert rows[0]["word_count"] == "7" and rows[0]["canonical_url"] == ""


def test_parquet_file(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "a.parquet"
    assert main(["export", "--since", SINCE, "--until", UNTIL, "--format", "parquet",
                 "-o", str(out)]) == 0
    table = pq.read_table(out)
    assert table.num_rows == 5
    assert str(table.schema.field("authors").type).startswith("list<")
    assert table.column("authors").to_pylist()[0] == ["Ann", "Bo"]
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"
    first = table.to_pylist()[0]
    assert first["title"] == "Export 1" and json.loads(first["provenance"]) == {"title": "og"}
    assert first["published_at"] == datetime(2002, 1, 1, 10, tzinfo=UTC)


def test_parquet_needs_a_file_and_empty_ranges_work(tmp_path: Path) -> None:
    assert main(["export", "--since", SINCE, "--format", "parquet"]) == 64
    out = tmp_path / "empty.parquet"
    assert main(["export", "--since", "1990-01-01", "--until", "1990-01-02", "--format",
                 "parquet", "-o", str(out)]) == 0
    pq = pytest.importorskip("pyarrow.parquet")
    assert pq.read_table(out).num_rows == 0


def test_relative_times() -> None:
    from worker.cli import parse_when

    assert abs((datetime.now(UTC) - parse_when("2h")).total_seconds() - 7200) < 5
    assert parse_when("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)


def test_every_column_of_the_migrated_table_but_search_is_exported(tmp_path: Path) -> None:
    with get_engine().connect() as conn:
        columns = conn.execute(text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'articles' AND table_schema = current_schema() "
            "ORDER BY ordinal_position")).scalars().all()
    wanted = [c for c in columns if c != "search"]
    rows = list(iter_articles(since=datetime(2002, 2, 2, tzinfo=UTC),
                              until=datetime(2002, 2, 3, tzinfo=UTC)))
    assert sorted(rows[0]) == sorted(wanted)
    out = tmp_path / "all.csv"
    assert main(["export", "--since", SINCE, "--until", UNTIL, "--format", "csv",
                 "-o", str(out)]) == 0
    header = next(csv.reader(io.StringIO(out.read_text())))
    assert sorted(header) == sorted(wanted)
    assert {"published_offset_minutes", "version", "seen_count", "last_seen_at",
            "duplicate_of"} <= set(header)


def test_parquet_types_follow_the_columns(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "typed.parquet"
    assert main(["export", "--since", SINCE, "--until", UNTIL, "--format", "parquet",
                 "-o", str(out)]) == 0
    schema = pq.read_table(out).schema
    assert str(schema.field("last_seen_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("seen_count").type) == "int64"
    assert str(schema.field("published_offset_minutes").type) == "int64"
