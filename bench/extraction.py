"""Extraction benchmark: our record vs raw newspaper3k vs raw trafilatura, on web-eval.

Usage::

    .venv/bin/python bench/extraction.py [--corpus ../shared/corpus/web-eval] [--limit N]
                                         [--only ours,newspaper3k,trafilatura] [--dump FILE]
                                         [--misses title|date|author|fill|body]

``--misses FIELD`` prints, after the table, every page where our record misses that field:
label vs ours vs the source our value came from (``provenance``), then a count by source.
``fill`` lists false fills (a value where the label is empty); ``body`` lists pages with a
missing or leaked snippet.

Scoring follows the corpus README:

* body: every ``with`` snippet found in the whitespace-collapsed text is a true positive,
  missing a false negative; every ``without`` snippet found is a false positive. Precision,
  recall and F1 are computed over all snippets of all pages.
* title: exact match after trimming; date: same calendar day; author: same set of names after
  splitting on ``, `` ``; `` `` and `` `` & `` (case-insensitive). Accuracies are over the
  pages whose label is non-empty.
* false fills: over the (page, field) pairs whose label is empty (title, date, author), the
  share where the extractor returned a value anyway.
* ms/page: median wall time of one extraction from decoded HTML text (decoding the bytes is
  common to all three and not timed), run in this one process, one page after another.

"raw newspaper3k" is ``worker.parse.parse_html`` (newspaper3k 0.2.8 with our offline config,
its fields taken as they are) with our faster DOM helpers switched off, i.e. newspaper3k as
shipped; "ours" uses them (they return the same elements, see ``tests/test_parse.py``).
"raw trafilatura" is ``trafilatura.bare_extraction`` with metadata and without comments (the
settings of trafilatura's own evaluation). The last line printed is our figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from worker.charset import decode_html  # noqa: E402
from worker.errors import IngestError  # noqa: E402
from worker.urls import validate_url  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "web-eval"
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.IGNORECASE)
_WS = re.compile(r"\s+")


@dataclass
class Result:
    """What one extractor returned for one page (all optional)."""

    text: str = ""
    title: str | None = None
    date: date | None = None
    authors: list[str] = field(default_factory=list)
    ms: float = 0.0
    error: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)


def collapse(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def name_set(names: list[Any]) -> set[str]:
    out: set[str] = set()
    flat: list[str] = []
    for name in names:
        flat.extend(str(n) for n in name) if isinstance(name, list) else flat.append(
            str(name or ""))
    for name in flat:
        for part in _SPLIT.split(name or ""):
            part = collapse(part).casefold()
            if part:
                out.add(part)
    return out


def _as_day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# --------------------------------------------------------------------------- extractors
def run_newspaper(html: str, url: str) -> Result:
    """newspaper3k as shipped: our faster DOM helpers (same results) are off for this call."""
    from worker import parse

    parse.use_fast_dom_helpers(False)
    try:
        page = parse.parse_html(html, url)
    finally:
        parse.use_fast_dom_helpers(True)
    return Result(text=page.text, title=page.title or None, date=_as_day(page.publish_date),
                  authors=list(page.authors))


def run_trafilatura(html: str, url: str) -> Result:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True,
                                      include_comments=False)
    if doc is None:
        return Result()
    author = getattr(doc, "author", None) or ""
    return Result(text=getattr(doc, "text", None) or "", title=getattr(doc, "title", None),
                  date=_as_day(getattr(doc, "date", None)),
                  authors=[author] if author else [])


def run_ours(html: str, url: str) -> Result:
    from worker.normalise import extract_record

    rec = extract_record(html, url=url)
    return Result(text=rec.text, title=rec.title, date=_as_day(rec.local_published_at()),
                  authors=list(rec.authors), provenance=dict(rec.provenance))


EXTRACTORS: dict[str, Callable[[str, str], Result]] = {
    "newspaper3k": run_newspaper,
    "trafilatura": run_trafilatura,
    "ours": run_ours,
}


# --------------------------------------------------------------------------- scoring
@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    title_ok: int = 0
    title_n: int = 0
    date_ok: int = 0
    date_n: int = 0
    author_ok: int = 0
    author_n: int = 0
    fill_bad: int = 0
    fill_n: int = 0
    errors: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, label: dict[str, Any], res: Result) -> dict[str, Any]:
        text = collapse(res.text)
        detail: dict[str, Any] = {"missing": [], "leaked": []}
        for snippet in label.get("with", []):
            if collapse(snippet) in text:
                self.tp += 1
            else:
                self.fn += 1
                detail["missing"].append(snippet)
        for snippet in label.get("without", []):
            if collapse(snippet) in text:
                self.fp += 1
                detail["leaked"].append(snippet)
            else:
                self.tn += 1
        self.ms.append(res.ms)
        if res.error:
            self.errors += 1
        if "title" in label:
            want = collapse(str(label["title"] or ""))
            got = collapse(res.title or "")
            if want:
                self.title_n += 1
                self.title_ok += got == want
            else:
                self.fill_n += 1
                self.fill_bad += bool(got)
            detail["title"] = (want, got)
        if "date" in label:
            want_d = _as_day(label["date"])
            if label["date"]:
                self.date_n += 1
                self.date_ok += want_d is not None and res.date == want_d
            else:
                self.fill_n += 1
                self.fill_bad += res.date is not None
            detail["date"] = (label["date"], res.date.isoformat() if res.date else None)
        if "author" in label:
            want_a = name_set([label["author"]])
            got_a = name_set(res.authors)
            if want_a:
                self.author_n += 1
                self.author_ok += got_a == want_a
            else:
                self.fill_n += 1
                self.fill_bad += bool(got_a)
            detail["author"] = (sorted(want_a), sorted(got_a))
        return detail

    def row(self, name: str) -> str:
        prec = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        rec = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0

        def share(ok: int, n: int) -> float:
            return ok / n if n else 0.0

        med = statistics.median(self.ms) if self.ms else 0.0
        return (f"{name:<12} {prec:9.3f} {rec:7.3f} {f1:6.3f} "
                f"{share(self.title_ok, self.title_n):6.3f} "
                f"{share(self.date_ok, self.date_n):6.3f} "
                f"{share(self.author_ok, self.author_n):7.3f} "
                f"{share(self.fill_bad, self.fill_n):8.3f} {med:9.1f} {self.errors:6d}")


HEADER = (f"{'extractor':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'title':>6} "
          f"{'date':>6} {'authors':>7} {'falsefil':>8} {'ms/page':>9} {'errors':>6}")


_MISS_FIELD = {"title": "title", "date": "published_at", "author": "authors"}


def describe_miss(kind: str, label: dict[str, Any], res: Result,
                  detail: dict[str, Any]) -> tuple[str, str]:
    """One line for a page our record gets wrong on ``kind`` ("" when it is right)."""
    head = f"{label['id']} {label.get('url', '')}"
    if kind == "body":
        if not detail["missing"] and not detail["leaked"]:
            return "", ""
        src = res.provenance.get("text", "-")
        return (f"{head}\n  source={src} missing={detail['missing']!r}\n"
                f"  leaked={detail['leaked']!r}", src.split("/")[0])
    if kind == "fill":
        bad = []
        for fname, key in (("title", "title"), ("date", "date"), ("author", "author")):
            if key in detail and not detail[key][0] and detail[key][1]:
                bad.append(f"{fname}={detail[key][1]!r} "
                           f"[{res.provenance.get(_MISS_FIELD[fname], '-')}]")
        if not bad:
            return "", ""
        return f"{head}\n  " + "; ".join(bad), ",".join(b.split("=")[0] for b in bad)
    if kind not in detail:
        return "", ""
    want, got = detail[kind]
    if not want or want == got:
        return "", ""
    src = res.provenance.get(_MISS_FIELD[kind], "-") if got else "none"
    return f"{head}\n  label={want!r}\n  ours ={got!r} [{src}]", src


def load_corpus(corpus: Path, limit: int | None) -> list[tuple[dict[str, Any], str]]:
    rows = []
    with (corpus / "labels.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    if limit:
        rows = rows[:limit]
    pages = []
    for label in rows:
        raw = gzip.decompress((corpus / "pages" / f"{label['id']}.html.gz").read_bytes())
        try:
            html, _ = decode_html(raw)
        except IngestError:
            html = ""
        pages.append((label, html))
    return pages


def usable_url(label: dict[str, Any]) -> str:
    """The label's URL if it is a valid http(s) URL (spaces escaped), else a placeholder.

    A few corpus entries hold file names ("hard::site.html") instead of URLs; every
    extractor gets the same placeholder for them.
    """
    url = str(label.get("url") or "").strip().replace(" ", "%20")
    try:
        return validate_url(url)
    except IngestError:
        return f"https://unknown.invalid/{label.get('id', '')}"


def timed(fn: Callable[[str, str], Result], html: str, url: str) -> Result:
    start = time.perf_counter()
    try:
        res = fn(html, url)
    except IngestError as exc:
        res = Result(error=exc.reason)
    except Exception as exc:  # noqa: BLE001 - a crash counts as an empty result
        res = Result(error=f"{type(exc).__name__}: {exc}")
    res.ms = (time.perf_counter() - start) * 1000
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--only", default="newspaper3k,trafilatura,ours")
    ap.add_argument("--dump", type=Path, default=None,
                    help="write per-page details of our extractor (JSON lines) here")
    ap.add_argument("--misses", choices=("title", "date", "author", "fill", "body"),
                    default=None, help="list our misses of this field after the table")
    args = ap.parse_args(argv)
    if not (args.corpus / "labels.jsonl").exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    logging.disable(logging.CRITICAL)
    names = [n for n in args.only.split(",") if n]
    # "ours" last: its row is the last line printed.
    names.sort(key=lambda n: n == "ours")
    pages = load_corpus(args.corpus, args.limit)
    # Warm up imports and caches so the first page does not carry them.
    for name in names:
        timed(EXTRACTORS[name], "<html><body><p>warm up</p></body></html>", "https://x.test/a")
    scores = {name: Score() for name in names}
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    misses: list[str] = []
    miss_sources: dict[str, int] = {}
    for label, html in pages:
        url = usable_url(label)
        for name in names:
            res = timed(EXTRACTORS[name], html, url)
            detail = scores[name].add(label, res)
            if args.misses and name == "ours":
                line, source = describe_miss(args.misses, label, res, detail)
                if line:
                    misses.append(line)
                    miss_sources[source] = miss_sources.get(source, 0) + 1
            if dump is not None and name == "ours":
                detail["id"] = label["id"]
                detail["error"] = res.error
                dump.write(json.dumps(detail, ensure_ascii=False, default=str) + "\n")
    if dump is not None:
        dump.close()
    print(f"web-eval: {len(pages)} pages")
    print(HEADER)
    if args.misses:
        for line in misses:
            print(line)
        print(f"{len(misses)} pages missed on {args.misses}; by source of our value: "
              + ", ".join(f"{k}={v}" for k, v in sorted(miss_sources.items(),
                                                         key=lambda kv: -kv[1])))
        print(HEADER)
    for name in names:
        print(scores[name].row(name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
