"""The news-ingest command line, run as a real subprocess."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, HTTPTestServer, WorkerProcesses
from worker.demo import SAMPLES, load_manifest


def run(*args: str, stdin: bytes | None = None, timeout: float = 120
        ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "worker.cli", *args], input=stdin,
                          capture_output=True, timeout=timeout, cwd=ROOT)


def test_extract_sample_page_as_json() -> None:
    sample = load_manifest()[1]
    proc = run("extract", str(SAMPLES / sample.file), "--url", "https://example.org" + sample.path)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["title"] == sample.expect["title"]
    assert record["url"] == "https://example.org" + sample.path
    assert record["text"].startswith(sample.expect["body_starts_with"])
    assert record["published_at"] is None or record["published_at"].endswith("Z")


def test_extract_gzip_and_stdin(tmp_path: Path) -> None:
    sample = load_manifest()[0]
    gz = tmp_path / "page.html.gz"
    gz.write_bytes(gzip.compress((SAMPLES / sample.file).read_bytes()))
    from_gz = json.loads(run("extract", str(gz), "--url", "https://example.org/a").stdout)
    from_stdin = json.loads(run("extract", "-", "--url", "https://example.org/a",
                                stdin=(SAMPLES / sample.file).read_bytes()).stdout)
    assert from_gz["text"] == from_stdin["text"] and from_gz["title"] == sample.expect["title"]


@pytest.mark.parametrize("content, reason", [
    (b"", "empty_body"),
    (b"\x00\x01\x02\xff" * 500, "binary_body"),
    (b"\x1f\x8b\x08\x00broken-gzip", "unreadable"),
])
def test_extract_bad_input_gives_clear_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.html"
    path.write_bytes(content)
    proc = run("extract", str(path))
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stderr + proc.stdout
    assert json.loads(proc.stdout)["reason"] == reason


@pytest.mark.parametrize("content", [
    b"<html><body><div><p>Unclosed <b>tags <i>everywhere <table><tr><td>cell" * 40,
    "<html><body><p>Ça coûte très cher à Zürich, n’est-ce pas ? ".encode("cp1252") * 60,
    b"<<<>>><!-- <html <body <p>>> &&&& &#xFFFFFFF; &#0; </p></div></span>" * 30,
])
def test_extract_broken_or_misencoded_html_never_tracebacks(tmp_path: Path,
                                                            content: bytes) -> None:
    path = tmp_path / "odd.html"
    path.write_bytes(content)
    proc = run("extract", str(path), "--url", "https://example.org/odd")
    assert b"Traceback" not in proc.stderr + proc.stdout
    out = json.loads(proc.stdout)
    if proc.returncode == 0:
        assert "text" in out and "\ufffd" not in out["text"]
    else:
        assert out["reason"] in {"no_content", "parse_error"}


def test_extract_batch_keeps_order_and_reports_errors(tmp_path: Path) -> None:
    samples = load_manifest()[:2]
    lines = [{"url": "https://example.org" + s.path, "path": str(SAMPLES / s.file)}
             for s in samples]
    lines.insert(1, {"url": "https://example.org/missing", "path": str(tmp_path / "nope.html")})
    manifest = tmp_path / "batch.jsonl"
    manifest.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    proc = run("extract", "--batch", str(manifest))
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(out) == 4
    assert out[0]["title"] == samples[0].expect["title"]
    assert out[1]["reason"] == "unreadable" and "error" in out[1]
    assert out[2]["title"] == samples[1].expect["title"]
    assert out[3]["reason"] == "bad_manifest"
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr


def test_schema_is_json_schema_of_the_request() -> None:
    schema = json.loads(run("schema").stdout)
    assert schema["title"] == "news-ingest IngestRequest"
    assert set(schema["required"]) == {"url"}
    assert {"v", "job_id", "url", "source", "meta"} <= set(schema["properties"])


def test_services_status_prints_urls() -> None:
    proc = run("services", "status", "--json")
    info = json.loads(proc.stdout)
    assert info["database_url"].startswith("postgresql")
    assert info["redis_url"].startswith("redis://")


def test_enqueue_rejects_invalid_and_waits_for_valid(http_server: HTTPTestServer,
                                                     workers: WorkerProcesses) -> None:
    page = (SAMPLES / load_manifest()[2].file).read_bytes()
    good = http_server.add_page("/cli/good", page)
    proc = run("enqueue", "ftp://bad.example/x", "not a url", "-", "--wait", "--timeout", "90",
               stdin=f"{good}\n\n# comment\n".encode())
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert "rejected 'ftp://bad.example/x'" in stderr and "rejected 'not a url'" in stderr
    assert proc.returncode == 2, (stdout, stderr)  # some input was rejected, the rest stored
    job_line = stdout.splitlines()[0]
    assert job_line.endswith("\t" + good)
    assert "summary: 1 jobs: stored 1" in stdout
