"""``news-ingest export``: articles to JSON lines, CSV or Parquet, streamed from PostgreSQL.

Rows come from :func:`worker.queries.iter_articles` (a server-side cursor, 1000 rows at a
time), so memory stays flat whatever the range. JSON lines keep arrays and ``provenance`` as
JSON; CSV writes them as JSON text in their cell; Parquet (needs ``pyarrow``) uses typed
columns: ``list<string>`` arrays, UTC ``timestamp[us]`` times, ``provenance`` as JSON text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import JSON, DateTime, Integer
from sqlalchemy.dialects.postgresql import ARRAY

from worker.models import Article
from worker.queries import EXPORT_COLUMNS

__all__ = ["FORMATS", "write_jsonl", "write_csv", "write_parquet", "ExportError"]

FORMATS = ("jsonl", "csv", "parquet")
# Column kinds from the model's types (every integer type subclasses Integer, JSONB JSON).
_TYPES = {c.name: c.type for c in Article.__table__.columns}
_LISTS = {c for c in EXPORT_COLUMNS if isinstance(_TYPES[c], ARRAY)}
_TIMES = {c for c in EXPORT_COLUMNS if isinstance(_TYPES[c], DateTime)}
_INTS = {c for c in EXPORT_COLUMNS if isinstance(_TYPES[c], Integer)}
_JSON = {c for c in EXPORT_COLUMNS if isinstance(_TYPES[c], JSON)}


class ExportError(RuntimeError):
    pass


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(_jsonable(row), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    n = 0
    for row in rows:
        cells = []
        for col in EXPORT_COLUMNS:
            value = row.get(col)
            if isinstance(value, (list, dict)):
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, datetime):
                value = value.isoformat()
            cells.append("" if value is None else value)
        writer.writerow(cells)
        n += 1
    return n


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def parquet_schema() -> Any:
    try:
        import pyarrow as pa
    except ImportError as exc:
        raise ExportError("--format parquet needs pyarrow: pip install pyarrow "
                          "(or use jsonl/csv)") from exc
    fields = []
    for col in EXPORT_COLUMNS:
        if col in _LISTS:
            typ = pa.list_(pa.string())
        elif col in _TIMES:
            typ = pa.timestamp("us", tz="UTC")
        elif col in _INTS:
            typ = pa.int64()
        else:
            typ = pa.string()
        fields.append(pa.field(col, typ))
    return pa.schema(fields)


def write_parquet(rows: Iterable[dict[str, Any]], path: str, batch: int = 1000) -> int:
    schema = parquet_schema()
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for chunk in _batches(rows, batch):
            columns = {col: [r.get(col) for r in chunk] for col in EXPORT_COLUMNS}
            for col in _JSON:
                columns[col] = [None if v is None else json.dumps(v, ensure_ascii=False)
                                for v in columns[col]]
            writer.write_table(pa.Table.from_pydict(columns, schema=schema))
            n += len(chunk)
        if n == 0:
            writer.write_table(schema.empty_table())
    return n
