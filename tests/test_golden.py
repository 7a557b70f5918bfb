"""Golden tests: hand-written pages (tests/golden/*.html), one per metadata pattern, each with
the record we expect beside it (*.json). The page's URL is in *.url; fetch time is fixed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from worker.charset import decode_html
from worker.normalise import extract_record

GOLDEN = Path(__file__).parent / "golden"
FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PAGES = sorted(p.stem for p in GOLDEN.glob("*.html"))


_VERSION = re.compile(r"/\d[\w.+-]*$")


def golden_record(name: str) -> dict[str, Any]:
    raw = (GOLDEN / f"{name}.html").read_bytes()
    url = (GOLDEN / f"{name}.url").read_text().strip()
    html, _ = decode_html(raw)
    record = extract_record(html, url=url, fetched_at=FETCHED_AT, http_status=200)
    data = record.model_dump(mode="json")
    # versions change with upgrades; which extractor produced the body does not
    data["extractor"] = _VERSION.sub("", data["extractor"])
    data["provenance"] = {k: _VERSION.sub("", v) for k, v in data["provenance"].items()}
    return data


def test_every_pattern_has_a_page() -> None:
    assert len(PAGES) >= 15
    for name in PAGES:
        assert (GOLDEN / f"{name}.json").exists(), name
        assert (GOLDEN / f"{name}.url").exists(), name


@pytest.mark.parametrize("name", PAGES)
def test_golden(name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    got = golden_record(name)
    mismatched = {k: (expected.get(k), got.get(k)) for k in set(expected) | set(got)
                  if expected.get(k) != got.get(k)}
    assert not mismatched, mismatched
