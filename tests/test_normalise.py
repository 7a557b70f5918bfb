"""worker.normalise / worker.dates: the cleaning and precedence rules."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from worker.dates import date_from_url, parse_date, plausible
from worker.normalise import (
    choose_body,
    clean_authors,
    clean_body,
    clean_title,
    detect_language,
    extract_record,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "web-eval"
NOW = datetime(2024, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("raw, expected", [
    ("2024-05-14T18:30:00+02:00", datetime(2024, 5, 14, 16, 30, tzinfo=UTC)),
    ("2024-05-14", datetime(2024, 5, 14, tzinfo=UTC)),
    ("2024-05-14 08:30", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
    ("20240514", datetime(2024, 5, 14, tzinfo=UTC)),
    ("Tue, 14 May 2024 08:30:00 GMT", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
    ("14.05.2024", datetime(2024, 5, 14, tzinfo=UTC)),
    ("03/04/2024", datetime(2024, 4, 3, tzinfo=UTC)),
    ("14. Mai 2024 um 10:12 Uhr", datetime(2024, 5, 14, 10, 12, tzinfo=UTC)),
    ("May 14, 2024 at 5:30 pm", datetime(2024, 5, 14, 17, 30, tzinfo=UTC)),
    ("14 de mayo de 2024", datetime(2024, 5, 14, tzinfo=UTC)),
    ("14 maja 2024", datetime(2024, 5, 14, tzinfo=UTC)),
    ("1715675400", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
])
def test_parse_date(raw: str, expected: datetime) -> None:
    value = parse_date(raw)
    assert value is not None
    assert value.astimezone(UTC) == expected


def test_us_order_only_when_asked() -> None:
    assert parse_date("03/04/2024", us_order=True) == datetime(2024, 3, 4, tzinfo=UTC)
    assert parse_date("03.04.2024", us_order=True) == datetime(2024, 4, 3, tzinfo=UTC)
    assert parse_date("13/04/2024", us_order=True) == datetime(2024, 4, 13, tzinfo=UTC)


def test_garbage_dates() -> None:
    assert parse_date("") is None
    assert parse_date("yesterday") is None
    assert parse_date("2024-13-45") is None


def test_plausible_drops_future_and_old() -> None:
    assert plausible(datetime(2031, 1, 1, tzinfo=UTC), NOW) is None
    assert plausible(datetime(1970, 1, 1, tzinfo=UTC), NOW) is None
    assert plausible(datetime(2024, 5, 31, 23, tzinfo=UTC), NOW) is not None


def test_date_from_url() -> None:
    assert date_from_url("https://x.test/2019/10/19/story") == datetime(2019, 10, 19,
                                                                         tzinfo=UTC)
    assert date_from_url("https://x.test/2019/10/story") is None


@pytest.mark.parametrize("raw, names", [
    (["By Jane Doe"], ["Jane Doe"]),
    (["Jane Doe and John Smith"], ["Jane Doe", "John Smith"]),
    (["Jane Doe, John Smith & Li Wei"], ["Jane Doe", "John Smith", "Li Wei"]),
    (["Von Anna Berger und Paul Novak"], ["Anna Berger", "Paul Novak"]),
    (["Jane Doe, Senior Reporter"], ["Jane Doe"]),
    (["jane.doe@example.com"], []),
    (["Email the author"], []),
    (["Staff"], []),
    (["red"], []),
    (["Alle Beiträge"], []),
    (["Emily Burack", "TOI Staff"], ["Emily Burack"]),
    (["Updated 14.05.2024 10:00"], []),
    (["View all posts by Jane Doe"], ["Jane Doe"]),
    (["Mehr von Jane Doe", "More from Jane Doe"], ["Jane Doe"]),
    # a sentence split at its "and" is no list of names
    (["#Krótko o przepisach prawa w Nowej Zelandii i Polsce"], []),
    (["Jane Doe", "JANE DOE"], ["Jane Doe"]),
    (["https://www.facebook.com/jane"], []),
    (["Perry Bacon Jr."], ["Perry Bacon Jr."]),
    (["Juan Carlos Muñoz C.", "Jane Doe."], ["Juan Carlos Muñoz C.", "Jane Doe"]),
    (["Redacci&oacute;n Sur"], []),
    (["Grant Tinsley, PhD"], ["Grant Tinsley"]),
    (["AFP"], []),
    (["Bundesministerium für Wirtschaft und Klimaschutz"], []),
    (["Beispiel Wein GmbH"], []),
    (["Autor/in: Korinna Berger"], ["Korinna Berger"]),
    (["Autor*in: Kim Weber"], ["Kim Weber"]),
    (["Kultur| 19.10.19"], []),
    (["VON LEA SOMMER am 21. April 2020"], ["LEA SOMMER"]),
    # a weekday before the date
    (["Von Lea Sommer Fr, 18. Oktober 2019"], ["Lea Sommer"]),
    (["By Lea Sommer Mon, May 3, 2021"], ["Lea Sommer"]),
    (["Jane Doe on April 21, 2020"], ["Jane Doe"]),
    (["Jane Doe, 3 May 2020"], ["Jane Doe"]),
    (["Veröffentlicht am 19.10.19 um 14:34 Uhr"], []),
    (["Zuletzt geändert am 3. Mai 2021"], []),
])
def test_clean_authors(raw: list[str], names: list[str]) -> None:
    assert clean_authors(raw)[0] == names


def test_copyright_holder_is_not_an_author() -> None:
    from worker.normalise import _holder_keys

    keys = _holder_keys(["(C) 2020 by Weinhaus am Markt - Weine aus Spanien",
                         "© 2004 - 2020 Lea Sommer. Alle Rechte vorbehalten"])
    assert clean_authors(["Weinhaus am Markt"], keys) == ([], ["Weinhaus am Markt"])
    assert clean_authors(["Lea Sommer"], keys) == ([], ["Lea Sommer"])
    assert clean_authors(["Jane Doe"], keys) == (["Jane Doe"], [])


def test_site_name_is_not_an_author() -> None:
    names, orgs = clean_authors(["Example News"], {"examplenews"})
    assert names == [] and orgs == ["Example News"]
    # the whole value is the site's name: not split into "Kirche" and "Leben"
    names, orgs = clean_authors(["Kirche und Leben"], {"kircheundleben"})
    assert names == [] and orgs == ["Kirche und Leben"]


def test_clean_title_cuts_site_name() -> None:
    keys = {"examplenews", "example"}
    assert clean_title("Big story | Example News", keys) == "Big story"
    assert clean_title("Example News - Big story", keys) == "Big story"
    assert clean_title("Left - right: a story", keys) == "Left - right: a story"
    # WordPress's "Site » Blog Archive » Title"
    assert clean_title("Example News » Blog Archiv » Big story", keys) == "Big story"


def test_clean_title_cuts_date_part() -> None:
    assert clean_title("Big story : 31.10.2023, 10.19 Uhr", set()) == "Big story"
    assert clean_title("23.01.2022 - Big story", set()) == "Big story"
    assert clean_title("Top 10 - 2023 in review", set()) == "Top 10 - 2023 in review"


def test_drop_kicker() -> None:
    from worker.normalise import drop_kicker

    h1 = "Flooding Dykes hold on the river"
    assert drop_kicker(h1, "Flooding") == "Dykes hold on the river"
    assert drop_kicker("Flooding: Dykes hold", "Flooding") == "Dykes hold"
    assert drop_kicker(h1, "") == h1
    assert drop_kicker(h1, "Storm") == h1


def test_clean_body_drops_credits_and_prompts() -> None:
    text = ("First paragraph of the story.\n\nFoto: dpa\n\nShare this article\n\n"
            "Read more: another story\n\nLast   paragraph.")
    assert clean_body(text) == "First paragraph of the story.\n\nLast paragraph."


def test_choose_body_rule() -> None:
    assert choose_body("n" * 100, "t" * 100) == ("t" * 100, "trafilatura")
    assert choose_body("n" * 1000, "t" * 100) == ("n" * 1000, "newspaper3k")
    assert choose_body("n" * 100, "") == ("n" * 100, "newspaper3k")


def test_detect_language() -> None:
    assert detect_language("Der Gemeinderat hat am Dienstag beschlossen, den Radweg zu "
                           "verlängern.")[0] == "de"
    assert detect_language("") == (None, 0.0)


def test_record_has_provenance_and_utc() -> None:
    html = """<html lang="en"><head><title>T</title>
    <meta property="article:published_time" content="2024-05-14T18:30:00+02:00">
    <meta name="author" content="By Jane Doe"></head><body><p>By Jane Doe</p><article>
    <p>The city council voted on Tuesday evening to extend the riverside cycle path by four
    kilometres, closing the last gap between the old harbour and the university campus.</p>
    <p>Supporters said the extension would take hundreds of cars off the bridge every
    morning, while shop owners on the quay worried about losing parking spaces.</p>
    </article></body></html>"""
    rec = extract_record(html, url="https://x.test/a", fetched_at=NOW)
    assert rec.published_at == datetime(2024, 5, 14, 16, 30, tzinfo=UTC)
    assert rec.authors == ["Jane Doe"]
    assert rec.provenance["published_at"] == "article"
    assert rec.provenance["authors"] == "meta"
    assert rec.provenance["text"] == rec.extractor
    assert rec.language == "en"


def test_co_authors_from_another_source() -> None:
    def authors(byline: str) -> tuple[list[str], str]:
        html = f"""<html lang="de"><head><title>T</title><meta name="author" content="Jana Roth">
        </head><body><article><p class="byline">{byline}</p>
        <p>Der Gemeinderat hat am Dienstagabend beschlossen, den Radweg am Flussufer um vier
        Kilometer zu verlängern und damit die letzte Lücke zu schließen.</p></article>
        </body></html>"""
        rec = extract_record(html, url="https://x.test/a", fetched_at=NOW)
        return rec.authors, rec.provenance["authors"]

    # the <meta> names one author, the byline both
    assert authors("Von Jana Roth und Malte Berg") == (["Jana Roth", "Malte Berg"], "byline")
    # a section word, a name the page does not show as such: no co-author
    assert authors("Von Jana Roth | Umwelt") == (["Jana Roth"], "meta")
    assert authors("Jana Roth, Redaktion Umwelt") == (["Jana Roth"], "meta")


@pytest.mark.skipif(not (CORPUS / "labels.jsonl").exists(), reason="web-eval corpus absent")
def test_corpus_smoke() -> None:
    """The first pages of the corpus give a record without crashing."""
    from worker.charset import decode_html

    with (CORPUS / "labels.jsonl").open(encoding="utf-8") as fh:
        labels = [json.loads(line) for _, line in zip(range(15), fh, strict=False)]
    for label in labels:
        raw = gzip.decompress((CORPUS / "pages" / f"{label['id']}.html.gz").read_bytes())
        html, _ = decode_html(raw)
        rec = extract_record(html, url=label["url"], fetched_at=NOW)
        assert rec.text


def test_parse_date_local_keeps_the_offset() -> None:
    from worker.dates import parse_date_local

    assert parse_date_local("2024-05-14T00:30:00+02:00") == (
        datetime(2024, 5, 13, 22, 30, tzinfo=UTC), 120)
    assert parse_date_local("2024-05-13T22:30:00Z") == (
        datetime(2024, 5, 13, 22, 30, tzinfo=UTC), 0)
    # no zone on the page: taken as UTC, offset unknown
    assert parse_date_local("2024-05-14 08:30") == (datetime(2024, 5, 14, 8, 30, tzinfo=UTC), None)
    assert parse_date_local("1715675400") == (datetime(2024, 5, 14, 8, 30, tzinfo=UTC), None)


def test_local_offset_from_other_dates_of_the_same_instant() -> None:
    from worker.normalise import local_offset

    utc = datetime(2024, 5, 13, 22, 30, tzinfo=UTC)
    # the same instant written with an offset elsewhere on the page
    assert local_offset((utc, 0), [(utc, 120)]) == (utc, 120)
    # a zone-less wall clock two hours ahead of the UTC instant
    wall = datetime(2024, 5, 14, 0, 30, tzinfo=UTC)
    assert local_offset((utc, 0), [(wall, None)]) == (utc, 120)
    # a zone-less value whose wall clock another value gives with its offset: instant fixed
    assert local_offset((wall, None), [(utc, 120)]) == (utc, 120)
    # another instant altogether says nothing about the zone
    other = datetime(2024, 5, 10, 9, 0, tzinfo=UTC)
    assert local_offset((utc, 0), [(other, 120)]) == (utc, 0)
    # a day without a time of day is not a wall clock
    assert local_offset((utc, 0), [(datetime(2024, 5, 14, tzinfo=UTC), None)]) == (utc, 0)


def test_record_local_published_at() -> None:
    from schemas import ArticleRecord

    rec = ArticleRecord(url="https://x.test/a", domain="x.test", extractor="t",
                        published_at=datetime(2024, 5, 13, 22, 30, tzinfo=UTC),
                        published_offset_minutes=120)
    local = rec.local_published_at()
    assert local is not None and local.date().isoformat() == "2024-05-14"


def test_prefer_headline() -> None:
    from worker.normalise import prefer_headline

    keys = {"citytimes"}
    # a kicker in the declared title: the h1 is the headline
    assert prefer_headline("Transport: Council backs path", "Council backs path",
                           ["Transport: Council backs path | City Times"], keys) == (
        "Council backs path", True)
    # the h1 glues a kicker in front of the declared title: the declared one wins
    assert prefer_headline("Council backs path", "Transport Council backs path",
                           ["Council backs path"], keys)[1] is False
    # an h1 unrelated to every declared title (a widget, a logo) is ignored
    assert prefer_headline("Council backs path", "Read also:",
                           ["Council backs path"], keys)[1] is False
    assert prefer_headline("Council backs path", "City Times", ["Council backs path"],
                           keys)[1] is False


def test_local_offset_utc_midnight_of_central_europe() -> None:
    from worker.normalise import local_offset

    value = datetime(2021, 11, 4, 23, 0, tzinfo=UTC)
    assert local_offset((value, 0), []) == (value, 60)
    timed = datetime(2021, 11, 4, 23, 5, tzinfo=UTC)
    assert local_offset((timed, 0), []) == (timed, 0)
    # only a guess for pages of central Europe: elsewhere 23:00Z stays in UTC
    assert local_offset((value, 0), [], central_european=False) == (value, 0)


def test_days_in_text() -> None:
    from datetime import date

    from worker.dates import days_in_text

    text = "posted 31.10.2023, 10.19 uhr · updated 2. november 2023 · 03/04/2020 · march 5, 2021"
    days = days_in_text(text)
    assert {date(2023, 10, 31), date(2023, 11, 2), date(2021, 3, 5)} <= days
    assert {date(2020, 4, 3), date(2020, 3, 4)} <= days  # ambiguous: both
    # dots separate day.month.year: one day only
    assert days_in_text("erstellt am 05.03.2024") == {date(2024, 3, 5)}
    assert days_in_text("no dates, 1234 words") == set()


def test_page_zone() -> None:
    from worker.normalise import page_zone

    # a country-code domain is a strong clue, also under a second level
    assert page_zone("diario.example.com.ar", ["es_ES"]) == ("America/Argentina/Buenos_Aires",
                                                             True)
    assert page_zone("noticias.example.bo", []) == ("America/La_Paz", True)
    # codes sold as generic names count only under a second level
    assert page_zone("startup.example.co", ["en"]) == (None, False)
    assert page_zone("diario.example.com.co", []) == ("America/Bogota", True)
    # else the locale's region, else a language spoken in one zone: weak clues
    assert page_zone("blog.example.com", ["en_US", "en"]) == ("America/New_York", False)
    assert page_zone("blog.example.com", ["de"]) == ("Europe/Berlin", False)
    assert page_zone("blog.example.com", ["en", "es"]) == (None, False)


def test_zone_day() -> None:
    from datetime import date

    from worker.normalise import zone_day

    value = datetime(2022, 3, 10, 1, 40, tzinfo=UTC)
    ar = ("America/Argentina/Buenos_Aires", True)

    def shows(*days: date) -> Any:
        return lambda day: day in days

    # the page writes the local day of the instant: its offset there
    assert zone_day((value, 0), ar, shows(date(2022, 3, 9))) == (value, -180)
    # the page does not write that day: kept in UTC
    assert zone_day((value, 0), ar, shows(date(2022, 3, 10))) == (value, 0)
    # a weak clue (a locale): the page must not write the UTC day as well
    weak = ("America/Argentina/Buenos_Aires", False)
    assert zone_day((value, 0), weak, shows(date(2022, 3, 9))) == (value, -180)
    assert zone_day((value, 0), weak, shows(date(2022, 3, 9), date(2022, 3, 10))) == (value, 0)
    assert zone_day((value, 0), ar, shows(date(2022, 3, 9), date(2022, 3, 10))) == (value, -180)
    # a value that already has its offset, or a zone-less one, or a day without a time
    assert zone_day((value, 60), ar, shows(date(2022, 3, 9))) == (value, 60)
    assert zone_day((value, None), ar, shows(date(2022, 3, 9))) == (value, None)
    midnight = datetime(2022, 3, 10, tzinfo=UTC)
    assert zone_day((midnight, 0), ar, shows(date(2022, 3, 9))) == (midnight, 0)
    # the same day in the zone: nothing to recover
    noon = datetime(2022, 3, 10, 12, 0, tzinfo=UTC)
    assert zone_day((noon, 0), ar, shows(date(2022, 3, 10))) == (noon, 0)


def test_person_like() -> None:
    from worker.normalise import person_like

    assert person_like("Daniel Lemire")
    assert person_like("Frau Sabienes")
    assert person_like("Ana María López")
    # media, organisation and branch names; one word; lower case
    for name in ("Presse Augsburg", "Miami Today", "Deutsche Wirtschaftsnachrichten",
                 "El Colombiano", "Houzz Deutschland", "Wikimedia Foundation", "Telebasel",
                 "daniel lemire", "Betty Crocker Kitchens"):
        assert not person_like(name), name


def test_name_printed_twice() -> None:
    # shown, and again for screen readers
    assert clean_authors(["Olive Martin Olive Martin"])[0] == ["Olive Martin"]
    assert clean_authors(["Anna Anna"])[0] == ["Anna"]


def test_shown_day_instead_of_a_moved_cms_date() -> None:
    from datetime import date

    from worker.metadata import Candidate
    from worker.normalise import _shown_instead

    class Shown:
        def __init__(self, *days: date) -> None:
            self.days = set(days)

        def shows_day(self, day: date) -> bool:
            return day in self.days

    def parse(v: str) -> tuple[datetime, int | None]:
        return datetime.fromisoformat(v).astimezone(UTC), 60

    chosen = parse("2022-01-21T10:00:00+01:00")
    cands = [Candidate("2022-01-21T10:00:00+01:00", "meta"),
             Candidate("2022-01-27T08:00:00+01:00", "itemprop")]
    # the page writes the other source's day, not the chosen one's
    assert _shown_instead(chosen, "meta", cands, parse, Shown(date(2022, 1, 27))) == (
        parse("2022-01-27T08:00:00+01:00"), "itemprop")
    # the chosen day is written: kept
    assert _shown_instead(chosen, "meta", cands, parse,
                          Shown(date(2022, 1, 21), date(2022, 1, 27)))[1] == "meta"
    # nothing written, or only a day years away (another item's date): kept
    assert _shown_instead(chosen, "meta", cands, parse, Shown())[1] == "meta"
    far = cands + [Candidate("2019-05-02T08:00:00+01:00", "time")]
    assert _shown_instead(chosen, "meta", far[::2], parse, Shown(date(2019, 5, 2)))[1] == "meta"


def test_month_names_as_a_prefix_tree_match_as_the_plain_alternation() -> None:
    import re

    from worker import dates

    plain = "|".join(sorted((re.escape(m) for m in dates._MONTHS), key=len, reverse=True))
    texts = ["am 3. September 2021", "sept. 5, 2019 um 10:00", "Sep 5 2019", "5 sept 2019",
             "12 de diciembre de 2020", "1er août 2020", "3 grudnia 2019 r.", "Dic 3, 2021",
             "ago 7, 2018", "Augustus 12 2017", "2 DEZ 2020", "3 décembre 2021, 10h30",
             "no month 2020", "Mayo 1, 2020", "15 października 2021"]
    for template in (dates._DMY_WORDS, dates._MDY_WORDS):
        tree = template.pattern
        slow = re.compile(tree.replace(dates._MONTH_RE, plain), template.flags)
        assert slow.pattern != tree
        for text in texts:
            assert [m.groups() for m in template.finditer(text)] == \
                [m.groups() for m in slow.finditer(text)], text


def test_clean_body_ends_at_a_heading_of_other_articles_in_its_last_part() -> None:
    story = [f"Paragraph {i} of the council's report on the new tram line, with details." * 2
             for i in range(6)]
    teasers = ["Related stories", "Tram fares rise in May", "Bridge closed for repairs"]
    assert clean_body("\n\n".join(story + teasers)) == "\n\n".join(story)
    german = story + ["Das könnte Sie auch interessieren:", "Neue Buslinie ab Juni"]
    assert clean_body("\n\n".join(german)) == "\n\n".join(story)


def test_clean_body_keeps_text_after_a_see_also_box_near_the_top() -> None:
    story = [f"Paragraph {i} of the council's report on the new tram line, with details." * 2
             for i in range(6)]
    text = "\n\n".join(story[:1] + ["Related stories", "Budget 2024"] + story[1:])
    assert clean_body(text) == text


def test_clean_body_drops_an_inline_teaser_line() -> None:
    story = ["The council voted on Tuesday to extend the tram line by four stops.",
             "Lesen Sie auch: Neue Buslinie ab Juni",
             "Work starts in spring and takes about eight months."]
    assert clean_body("\n\n".join(story)) == "\n\n".join(story[::2])


def test_company_and_wire_words_are_no_authors() -> None:
    # a company's name goes to the organisations, a wire service note nowhere
    assert clean_authors(["Glory Global Solutions Germany"]) == (
        [], ["Glory Global Solutions Germany"])
    assert clean_authors(["Nordlicht Consulting"]) == ([], ["Nordlicht Consulting"])
    assert clean_authors(["Staff and news service reports"]) == ([], [])
    assert clean_authors(["Jana Roth"]) == (["Jana Roth"], [])


def test_dateline_skips_a_change_date_and_sentence_dates() -> None:
    import lxml.html

    from worker.normalise import dateline

    doc = lxml.html.fromstring(
        "<html><body><p>Teaser <span>02.12.2022</span></p><article><h1>Radwege</h1>"
        "<p>Aktualisiert am 09.12.2022</p><p>Von Jana Beispiel, <b>07 Dezember, 2022</b></p>"
        "<p>Die Arbeiten beginnen am 15. März 2023.</p></article></body></html>")
    found = dateline(doc.find(".//h1"))
    assert found is not None and found[0] == datetime(2022, 12, 7, tzinfo=UTC)
    doc = lxml.html.fromstring(
        "<html><body><h1>Stammtisch</h1><p>Der nächste Stammtisch findet am Mittwoch, "
        "<b>5. Februar 2020</b> ab 19 Uhr im Café statt.</p></body></html>")
    assert dateline(doc.find(".//h1")) is None


def test_said_published_takes_the_publication_not_the_change() -> None:
    from worker.normalise import said_published

    text = "letzte änderung: 31.10.2023 - 14:49 erschienen am: 01.11.2023"
    found = said_published(text)
    assert found is not None and found[0] == datetime(2023, 11, 1, tzinfo=UTC)
    found = said_published("posted on march 3, 2024 by jane doe")
    assert found is not None and found[0] == datetime(2024, 3, 3, tzinfo=UTC)
    assert said_published("erscheinungsdatum: 14.08.2017") is None
    assert said_published("aktualisiert am 02.02.2022") is None


def test_published_from_a_date_in_the_url_slug_when_nothing_else_dates_the_page() -> None:
    from worker.normalise import extract_record

    html = ("<html lang='de'><head><title>Spendenaufruf</title></head><body><h1>Spendenaufruf"
            "</h1><p>Der Verein bittet um Spenden für die Opferhilfe in der Region und dankt "
            "allen, die im vergangenen Jahr geholfen haben.</p></body></html>")
    rec = extract_record(html, url="https://verein.example/meldungen/29-10-2021",
                         fetched_at=datetime(2024, 6, 1, tzinfo=UTC))
    assert rec.published_at == datetime(2021, 10, 29, tzinfo=UTC)
    assert rec.provenance.get("published_at") == "url:slug"


def test_dateline_after_a_long_standfirst() -> None:
    import lxml.html

    from worker.normalise import dateline

    standfirst = "Ein langer Vorspann über die Folge und ihre Gäste. " * 14  # ~700 characters
    doc = lxml.html.fromstring(
        f"<html><body><h1>Folge 158</h1><p>{standfirst}</p><p>16.08.2019</p>"
        "<p>Die Folge beginnt mit einer Frage.</p></body></html>")
    found = dateline(doc.find(".//h1"))
    assert found is not None and found[0] == datetime(2019, 8, 16, tzinfo=UTC)


def test_prefer_headline_soft_hyphens() -> None:
    from worker.normalise import prefer_headline

    # the <h1> carries the visible text's hyphenation hints (soft hyphens): the same
    # headline as the declared title, which is kept as it is
    declared = "Neue Regeln für Fahrradstraßen"
    h1 = "Neue Re\xadgeln für Fahr\xadrad\xadstra\xadßen"
    assert prefer_headline(declared, h1, [declared], set()) == (declared, False)
    # another <h1> with soft hyphens is still compared word for word
    assert prefer_headline("Verkehr: Neue Regeln für Fahrradstraßen", h1,
                           ["Verkehr: Neue Regeln für Fahrradstraßen"], set()) == (h1, True)


def test_untruncated_title() -> None:
    from worker.normalise import untruncated

    keys = {"stadtbote"}
    # an unescaped quote ended the og:title attribute early
    assert untruncated('Bürgermeister nennt den Plan', "og",
                       'Bürgermeister nennt den Plan "unbezahlbar" | Stadtbote', keys) == (
        'Bürgermeister nennt den Plan "unbezahlbar"', "html:title")
    # an ellipsis, and a cut in the middle of a word
    assert untruncated("Der Rat beschließt den neuen…", "jsonld",
                       "Der Rat beschließt den neuen Haushalt", keys)[0] == \
        "Der Rat beschließt den neuen Haushalt"
    assert untruncated("Der Rat beschließt den neuen Haus", "jsonld",
                       "Der Rat beschließt den neuen Haushalt", keys)[0] == \
        "Der Rat beschließt den neuen Haushalt"
    # a <title> that adds a section after a separator, or other words, keeps the title
    assert untruncated("Neuer Haushalt", "og", "Neuer Haushalt - Politik", keys) == (
        "Neuer Haushalt", "og")
    assert untruncated("Neuer Haushalt", "og", "Neuer Haushalt_Politik", keys) == (
        "Neuer Haushalt", "og")
    assert untruncated("Nachhaltiger leben", "og", "Nachhaltiger leben für das Klima",
                       keys) == ("Nachhaltiger leben", "og")


def test_a_zoneless_time_of_day_is_read_in_the_zone_of_the_country_domain() -> None:
    from worker.normalise import page_zone, wall_clock_in_zone

    berlin = page_zone("www.zeitung.example.de", [])
    wall = datetime(2024, 7, 1, 9, 25, tzinfo=UTC)             # "01.07.2024 um 09:25"
    assert wall_clock_in_zone((wall, None), berlin) == (
        (datetime(2024, 7, 1, 7, 25, tzinfo=UTC), 120), "Europe/Berlin")
    winter = datetime(2024, 1, 14, 0, 30, tzinfo=UTC)          # the day stays the 14th
    assert wall_clock_in_zone((winter, None), berlin)[0] == (
        datetime(2024, 1, 13, 23, 30, tzinfo=UTC), 60)
    # 01:30 on the night of the spring change is already summer time in Berlin
    spring = datetime(2024, 3, 31, 3, 30, tzinfo=UTC)
    assert wall_clock_in_zone((spring, None), berlin)[0][1] == 120
    # left alone: a day without a time, a value that gave its zone, a weak or no clue
    midnight = datetime(2024, 7, 1, tzinfo=UTC)
    assert wall_clock_in_zone((midnight, None), berlin) == ((midnight, None), None)
    assert wall_clock_in_zone((wall, 0), berlin) == ((wall, 0), None)
    assert wall_clock_in_zone((wall, None), page_zone("blog.example.com", ["de-DE"])) == (
        (wall, None), None)
    assert wall_clock_in_zone((wall, None), page_zone("example.io", [])) == ((wall, None), None)


def test_the_top_image_is_never_an_icon_or_a_pixel() -> None:
    from worker.normalise import extract_record

    body = "".join(f"<p>Paragraph {i} of the story about the harbour and its new quay.</p>"
                   for i in range(8))
    html = ('<html><head><title>Quay opens</title><link rel="shortcut icon" href="/favicon.ico">'
            '<link rel="image_src" href="/img/icons/share.png"></head><body><h1>Quay opens</h1>'
            f'<article>{body}<img src="/media/quay.jpg" alt="The quay"></article></body></html>')
    record = extract_record(html, url="https://port.example.org/news/quay-opens")
    assert record.top_image == "https://port.example.org/media/quay.jpg"
    assert record.provenance["top_image"] == "newspaper3k:body"
    assert record.images == ["https://port.example.org/media/quay.jpg"]


@pytest.mark.parametrize("raw, names, orgs", [
    ("Von Max Mustermann, dpa", ["Max Mustermann"], []),            # an agency among names
    ("Jane Doe/AP", ["Jane Doe"], []),
    ("Jane Doe, Washington Post", ["Jane Doe"], ["Washington Post"]),  # a medium among names
    ("Jane Doe, Rhein-Zeitung", ["Jane Doe"], ["Rhein-Zeitung"]),
    ("Jane Doe • 5 min read", ["Jane Doe"], []),                     # reading time
    ("Anna Beck ist Redakteurin", ["Anna Beck"], []),                # a sentence about her
    ("Jane Doe is a reporter at The Times", ["Jane Doe"], []),
    ("Emily Post", ["Emily Post"], []),                              # a media word alone: a name
    ("Ursula von der Leyen, Jean de La Fontaine", ["Ursula von der Leyen",
                                                   "Jean de La Fontaine"], []),
])
def test_author_lists_keep_persons_only(raw: str, names: list[str], orgs: list[str]) -> None:
    assert clean_authors([raw]) == (names, orgs)


def test_clean_title_cuts_a_site_name_in_the_middle_and_guillemets() -> None:
    keys = {"dailyplanet"}
    assert clean_title("Bridge reopens – Daily Planet – News", keys) == "Bridge reopens"
    assert clean_title("Bridge reopens « Daily Planet", keys) == "Bridge reopens"
    assert clean_title("Bridge reopens › Daily Planet", keys) == "Bridge reopens"
    # a headline that names the site is no site name ("Why the Daily Planet matters")
    assert clean_title("Why the Daily Planet matters | Opinion | Daily Planet", keys) == \
        "Why the Daily Planet matters | Opinion"
    assert clean_title("Daily Planet Online: Bridge reopens", keys) == \
        "Daily Planet Online: Bridge reopens"
    assert clean_title("Daily Planet Online | Bridge reopens", keys) == "Bridge reopens"
    # a long tail after the site's name is a sentence, not a section
    assert clean_title("Bridge reopens - Daily Planet - the paper for the whole valley",
                       keys) == "Bridge reopens - Daily Planet - the paper for the whole valley"


def test_lone_headline() -> None:
    from worker.normalise import lone_headline

    keys = {"buerofalkner"}
    declared = ["Leistungen", "Leistungen | Büro Falkner"]
    # the page's only <h1> over a social-card or <title> title
    assert lone_headline("Leistungen", "og", "Vermessung und Bauplanung aus einer Hand",
                         declared, keys) == "Vermessung und Bauplanung aus einer Hand"
    # a JSON-LD or microdata headline is the article's headline as such
    assert lone_headline("Leistungen", "jsonld", "Vermessung und Bauplanung",
                         declared, keys) == ""
    assert lone_headline("Leistungen", "itemprop", "Vermessung und Bauplanung",
                         declared, keys) == ""
    # a box's label, one word, the site's name
    assert lone_headline("Leistungen", "og", "Lesen Sie auch:", declared, keys) == ""
    assert lone_headline("Leistungen", "og", "Details", declared, keys) == ""
    assert lone_headline("Leistungen", "og", "Büro Falkner", declared, keys) == ""
    # a declared title with a kicker or a date around it: prefer_headline's case
    assert lone_headline("Rat beschließt Haushalt", "og", "Finanzen Rat beschließt Haushalt",
                         ["Rat beschließt Haushalt"], keys) == ""
    assert lone_headline("Rat beschließt Haushalt", "og", "Rat beschließt Haushalt 02.02.2022",
                         ["Rat beschließt Haushalt"], keys) == ""


def test_confirmed_heading_reworded() -> None:
    from worker.normalise import confirmed_heading

    declared = ["Join our panel today", "Quick dry shampoo for fresh hair anywhere with the new "
                "Brightflex spray | Panel"]
    headings = ["Brightflex – Quick dry shampoo for fresh hair anywhere", "How to use it"]
    # no heading is contained in a declared title, but one has 60% of its words in one
    assert confirmed_heading(headings, declared) == headings[0]
    # a heading sharing fewer of its words is not confirmed
    assert confirmed_heading(["Brightflex – our winter offers for the whole family",
                              "How to use it"], declared) == ""


def test_user_name_that_starts_with_the_site_name() -> None:
    from worker.normalise import clean_authors

    keys = {"limespace", "limespacede"}
    # a blogger's one-word handle that goes on after the site's name is a name
    assert clean_authors(["Limespacer"], keys) == (["Limespacer"], [])
    assert clean_authors(["von Limespacer"], keys) == (["Limespacer"], [])
    # the site's name itself, or the name with more words, is still the site
    assert clean_authors(["limespace"], keys)[0] == []
    assert clean_authors(["Limespace Magazin"], keys)[0] == []
    assert clean_authors(["limespace.de"], keys)[0] == []


def test_said_published_in_a_post_footer_sentence() -> None:
    from worker.normalise import said_published

    # the verb after the date ("wurde am ... gepostet"), with the time between
    found = said_published("dieser artikel über gartenbau wurde am 19. mai 2010 um 23:03 uhr "
                           "gepostet und unter pflanzen abgelegt.")
    assert found is not None and found[0] == datetime(2010, 5, 19, 23, 3, tzinfo=UTC)
    # a weekday between "posted on" and the date
    found = said_published("this entry was posted on wednesday, may 19th, 2010 at 11:03 pm and "
                           "is filed under plants.")
    assert found is not None and found[0].date().isoformat() == "2010-05-19"
    # a sentence of the article: no publication verb right after the date
    assert said_published("er wurde am 6. september 2010 gewählt und später veröffentlicht") \
        is None


def test_dateline_skips_a_date_after_another_label() -> None:
    import lxml.html

    from worker.normalise import dateline

    # a game's release, an application deadline: dates of something else
    doc = lxml.html.fromstring(
        "<html><body><h1>Bienen-Simulator</h1><ul><li>Spieler: 1-2</li>"
        "<li>Release: 14.11.2019</li></ul><p>Ein Spiel über Bienen.</p></body></html>")
    assert dateline(doc.find(".//h1")) is None
    doc = lxml.html.fromstring(
        "<html><body><h1>Karriere-Abend</h1><p>Anmeldeschluss: 15. März 2020</p>"
        "<p>Datum: 02.03.2020</p></body></html>")
    found = dateline(doc.find(".//h1"))
    assert found is not None and found[0] == datetime(2020, 3, 2, tzinfo=UTC)
    # labels of the publication are read as before
    doc = lxml.html.fromstring(
        "<html><body><h1>Radwege</h1><p>Veröffentlichungsdatum: 07.12.2022</p></body></html>")
    found = dateline(doc.find(".//h1"))
    assert found is not None and found[0] == datetime(2022, 12, 7, tzinfo=UTC)


def test_page_images_keep_commas_inside_addresses() -> None:
    import lxml.html

    from worker.normalise import page_images

    doc = lxml.html.fromstring(
        '<div><img src="https://cdn.example.net/upload/w_1200,h_630,c_fit/a.jpg">'
        '<img src="/x.gif" data-srcset="/upload/w_480,q_80/b.jpg 480w, /upload/w_960/b.jpg 960w">'
        '<img data-srcset="/c-1.jpg, /c-2.jpg 2x"></div>')
    assert page_images(doc, "https://news.example.net/story", []) == [
        "https://cdn.example.net/upload/w_1200,h_630,c_fit/a.jpg",
        "https://news.example.net/upload/w_480,q_80/b.jpg",
        "https://news.example.net/c-1.jpg"]


def test_zoneless_publication_and_change_times_share_the_country_zone() -> None:
    body = "".join(f"<p>Absatz {i} über die neue Brücke am Fluss und ihre Eröffnung.</p>"
                   for i in range(8))
    html = ('<html lang="de"><head><title>Brücke eröffnet</title>'
            '<meta property="article:published_time" content="2024-03-05 10:00">'
            '<meta property="article:modified_time" content="2024-03-06 12:30">'
            f'</head><body><h1>Brücke eröffnet</h1><article>{body}</article></body></html>')
    record = extract_record(html, url="https://www.zeitung.example.de/lokales/bruecke")
    assert record.published_at == datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    assert record.published_offset_minutes == 60
    assert record.modified_at == datetime(2024, 3, 6, 11, 30, tzinfo=UTC)
    assert record.provenance["modified_at"].endswith("(zone: Europe/Berlin)")


def test_a_publisher_without_letters_is_none() -> None:
    html = ('<html><head><title>Tach auch</title><meta property="og:site_name" content="...">'
            '</head><body><h1>Tach auch</h1><article>'
            + "".join(f"<p>Satz {i} über den Garten hinter dem Haus.</p>" for i in range(8)) +
            '</article></body></html>')
    record = extract_record(html, url="https://garten.example.org/2020/04/tach-auch.html")
    assert record.publisher is None and "publisher" not in record.provenance


def test_t8_the_title_as_written_confirms_a_heading() -> None:
    import lxml.html

    from worker.metadata import extract_metadata
    from worker.normalise import choose_title

    html = ('<html><head><title>Neubau Bootshaus - Neubau Ruderclub Seedorf</title></head><body>'
            '<h2>Hauptnavigation</h2><h2>Suche</h2><main><h2>Hauptinhalt</h2>'
            '<h2>Wettbewerb Neubau Bootshaus Ruderclub Seedorf</h2><p>Text.</p></main>'
            '</body></html>')
    meta = extract_metadata(lxml.html.fromstring(html))
    keys = {"rcs", "rcsch"}
    # newspaper3k's title cut the <title>; the <title> as written confirms the <h2>
    assert choose_title(meta, "Neubau Bootshaus", "Neubau Bootshaus - Neubau Ruderclub Seedorf",
                        keys) == ("Wettbewerb Neubau Bootshaus Ruderclub Seedorf", "html:h2")
    # a one-word heading is not confirmed by it (a section's name: "News - Site")
    html = ('<html><head><title>News - Institut</title></head><body><main><h1>News</h1>'
            '<p>Text.</p></main><div><h1>Das erste Elektron zählt</h1></div></body></html>')
    meta = extract_metadata(lxml.html.fromstring(html))
    assert choose_title(meta, "Das erste Elektron zählt", "News - Institut", set()) == (
        "Das erste Elektron zählt", "newspaper3k")


def test_t8_breadcrumb_h1_and_kicker_h2() -> None:
    import lxml.html

    from worker.metadata import extract_metadata
    from worker.normalise import choose_title

    def page(jsonld: str, og: str) -> str:
        return ('<html><head><title>T</title>'
                f'<meta property="og:title" content="{og}">'
                '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "'
                f'{jsonld}"}}</script></head><body>'
                '<nav class="breadcrumb"><h1>Stadt klagt gegen die Baufirma</h1></nav>'
                '<article><h2><span class="overline">Pflaster</span> <span class="title">Neue '
                'Steine halten keinen Winter</span></h2>'
                '<p>Text.</p></article></body></html>')

    # the crumb <h1> no declared title gives: the <h2>'s headline part
    og = "Pflaster: Neue Steine halten keinen Winter"
    meta = extract_metadata(lxml.html.fromstring(page("Pflaster", og)))
    assert choose_title(meta, "T", "T", set()) == ("Neue Steine halten keinen Winter", "html:h2")
    # the JSON-LD headline gives the crumb <h1>: it stays
    meta = extract_metadata(lxml.html.fromstring(page("Stadt klagt gegen die Baufirma", og)))
    assert choose_title(meta, "T", "T", set())[0] == "Stadt klagt gegen die Baufirma"


def test_a8_author_shown_only_inside_a_word_or_domain_is_not_shown() -> None:
    body = "".join(f"<p>Absatz {i}: wir tragen hier die Termine für den Garten ein.</p>"
                   for i in range(8))
    html = ('<html lang="de"><head><title>Gartentermine</title>'
            '<meta name="author" content="Trag"><meta name="author" content="Lindo">'
            '</head><body><h1>Gartentermine</h1><article>'
            f'{body}<p>Mehr bei <a href="https://lindo.example.com/">lindo.example.com</a></p>'
            '</article></body></html>')
    record = extract_record(html, url="https://garten.example.org/2021/termine.html")
    assert record.authors == []


def test_a8_text_byline_on_a_br_line_of_a_long_paragraph() -> None:
    long = " ".join(["Die Fahrzeuge wurden nach dem Krieg aus Altbeständen umgebaut."] * 4)
    html = ('<html lang="de"><head><title>Alte Löschfahrzeuge</title></head><body>'
            '<h1>Alte Löschfahrzeuge</h1><article>'
            + "".join(f"<p>Absatz {i} über alte Feuerwehrfahrzeuge.</p>" for i in range(6)) +
            f'<p>{long}<br> (wird fortgesetzt)<br><strong>Text:</strong> Hanna Brecht</p>'
            f'<p>{long}<br>Ein Buch von Karl Otto Meier<br>{long}</p>'
            '</article></body></html>')
    record = extract_record(html, url="https://fahrzeuge.example.org/news/alte-loeschfahrzeuge")
    assert record.authors == ["Hanna Brecht"]


def test_a8_profession_in_front_of_a_name_is_cut() -> None:
    from worker.normalise import clean_authors

    assert clean_authors(["Rechtsanwalt Jana Roth"])[0] == ["Jana Roth"]
    assert clean_authors(["Attorney John Roe"])[0] == ["John Roe"]
    assert clean_authors(["Anwalt Müller"])[0] == ["Anwalt Müller"]


def test_a8_off_article_words_only_start_a_class_word() -> None:
    body = "".join(f"<p>Absatz {i} über die Kirche im Dorf und ihre Glocken.</p>"
                   for i in range(8))
    html = ('<html lang="de"><head><title>Die Glocken läuten wieder</title></head><body>'
            '<div class="main-menu"><p>Autor: Max Menü<br>Mehr</p></div>'
            '<div class="pane pane-taxomenu-2"><article><h1>Die Glocken läuten wieder</h1>'
            f'{body}<div class="meta"><span>Datum:</span> 19.11.2021<br>'
            '<span>Autor:</span> Jana Roth<br><span>Quelle:</span> Dorfblatt</div>'
            '</article></div></body></html>')
    record = extract_record(html, url="https://dorf.example.ch/artikel/glocken")
    assert record.authors == ["Jana Roth"]


def test_a8_bylines_of_related_articles_and_cards_are_not_the_articles() -> None:
    paras = "".join(f"<p>Punkt {i}: Der Gemeinderat berät heute über das neue Hallenbad.</p>"
                    for i in range(8))
    html = ('<html lang="de"><head><title>Hallenbad: Entscheid vertagt</title></head><body>'
            f'<main><h1>Hallenbad: Entscheid vertagt</h1>{paras}'
            '<div class="relatedStory"><p class="info"><span class="author">Von Lea Sommer'
            '</span></p></div>'
            '<a href="/sport/derby"><div class="card"><h3>Derby endet unentschieden nach '
            'spätem Ausgleich</h3><div class="byline">Von Tim Berger</div></div></a>'
            '</main></body></html>')
    record = extract_record(html, url="https://www.zeitung.example.ch/region/hallenbad")
    assert record.authors == []


def test_a_guessed_day_only_in_comments_or_as_an_access_day_is_no_publication() -> None:
    body = "".join(f"<p>Absatz {i} über Sauerteig, Mehl, Wasser und die lange Gare.</p>"
                   for i in range(24))
    comments = ('<div id="comments"><ol class="commentlist"><li class="comment">'
                '<div class="comment-meta">Anna sagt: 14. März 2019 um 08:12</div>'
                '<p>Danke für das Rezept!</p></li></ol></div>')
    html = ('<html lang="de"><head><title>Sauerteig ansetzen</title></head><body>'
            f'<h1>Sauerteig ansetzen</h1><article>{body}</article>{comments}</body></html>')
    record = extract_record(html, url="https://backen.example.de/sauerteig-ansetzen")
    assert record.published_at is None
    cited = ('<p>Quelle: Müller, Brotbuch, www.example.org/brot, Zugriff am 20.05.2018.</p>')
    html = ('<html lang="de"><head><title>Sauerteig ansetzen</title></head><body>'
            f'<h1>Sauerteig ansetzen</h1><article>{body}{cited}</article></body></html>')
    record = extract_record(html, url="https://backen.example.de/sauerteig-ansetzen")
    assert record.published_at is None
    # the same day shown as the post's own date stays
    html = ('<html lang="de"><head><title>Sauerteig ansetzen</title></head><body>'
            f'<h1>Sauerteig ansetzen</h1><article>{body}<p>Gebacken und notiert: 14. März '
            f'2019</p></article>{comments}</body></html>')
    record = extract_record(html, url="https://backen.example.de/sauerteig-ansetzen")
    assert record.published_at is not None and record.published_at.date().isoformat() in (
        "2019-03-13", "2019-03-14")


def test_a_guessed_day_only_in_the_cookie_banner_is_no_publication() -> None:
    body = "".join(f"<p>Absatz {i} über Windräder, Netze, Speicher und grünen Strom.</p>"
                   for i in range(24))
    banner = ('<div id="cookie-banner"><div class="banner__declaration"><p>Die '
              'Cookie-Erklärung wurde zuletzt am 02.12.2022 aktualisiert.</p></div></div>')
    html = ('<html lang="de"><head><title>Grüner Strom</title></head><body>'
            f'<h1>Grüner Strom</h1><main>{body}</main>{banner}</body></html>')
    record = extract_record(html, url="https://energie.example.de/gruener-strom")
    assert record.published_at is None


def test_the_date_line_follows_the_h1_that_shows_the_title() -> None:
    # the story's <h1> stands above <main>; a second <h1> inside <main> heads a radio box
    parts = ['<html lang="de"><head><title>Segen für alle | Bistum</title>',
             '<meta property="og:title" content="Segen für alle"></head><body>',
             '<div class="head"><h1>Segen für alle</h1><p>26. Januar 2022</p></div><main>']
    parts += [f"<p>Absatz {i} über den Segen, die Kerzen und die Gemeinde.</p>"
              for i in range(10)]
    parts += ['<h1>Radiobeitrag zum Segen</h1>',
              '<p>Radiobeitrag vom 30.1.2022 von Jana Roth</p></main></body></html>']
    html = "\n".join(parts)
    record = extract_record(html, url="https://www.bistum.example.de/magazin/segen/")
    assert record.title == "Segen für alle"
    assert record.published_at is not None
    assert record.published_at.date().isoformat() == "2022-01-26"
    assert record.provenance["published_at"] == "dateline"


def test_a_plain_meta_date_a_day_after_the_date_line_gives_way_to_it() -> None:
    paragraphs = [f"<p>Absatz {i}: Mieterinnen und Mieter fordern einen Stopp der Mieten.</p>"
                  for i in range(10)]
    html = "\n".join(['<html lang="de"><head><title>Mietenstopp gefordert</title>',
                      '<meta name="date" content="2020-04-30"></head><body><article>',
                      '<h1>Mietenstopp gefordert</h1>',
                      '<p class="meta">Von Jana Roth 29.04.2020, 12:01 Uhr</p>',
                      *paragraphs, '</article><aside><h2>Ähnliche Artikel</h2>',
                      '<p>30.04.2020 / Mieten steigen weiter</p></aside></body></html>'])
    record = extract_record(html, url="https://www.zeitung.example.de/artikel/mietenstopp")
    assert record.published_at is not None
    assert record.published_at.date().isoformat() == "2020-04-29"
    assert record.provenance["published_at"].startswith("dateline")


def test_a_recipe_page_that_shows_no_date_has_none() -> None:
    # the CMS's date in article markup, the page typed a Recipe
    recipe = ('<meta property="article:published_time" content="2019-07-04T10:00:00+02:00">'
              '<script type="application/ld+json">{"@context": "https://schema.org", '
              '"@type": "Recipe", "name": "Zitronenmuffins"}</script>')
    steps = "\n".join(f"<p>Schritt {i}: Teig rühren, in Förmchen füllen und backen.</p>"
                      for i in range(10))

    def page(shown: str) -> str:
        return (f'<html lang="de"><head><title>Zitronenmuffins</title>{recipe}</head>'
                f'<body><h1>Zitronenmuffins</h1>{shown}<article>{steps}</article>'
                '</body></html>')

    record = extract_record(page(""), url="https://rezepte.example.de/zitronenmuffins")
    assert record.published_at is None
    record = extract_record(page("<p>4. Juli 2019</p>"),
                            url="https://rezepte.example.de/zitronenmuffins")
    assert record.published_at is not None
    assert record.published_at.date().isoformat() == "2019-07-04"


def test_a_guessed_day_only_in_an_aside_or_a_related_box_is_no_publication() -> None:
    paragraphs = "\n".join(f"<p>Absatz {i}: Wir sticken Namen und Motive auf Decken.</p>"
                           for i in range(24))
    for box in ('<aside><h2>Neueste Beiträge</h2><ul><li><a href="/b">Geschenkidee</a> '
                '<span>29. September 2020</span></li></ul></aside>',
                '<div class="related-posts"><h2>Mehr lesen</h2><p><a href="/c">Ihr Logo '
                'als Stickerei</a> 29. September 2020</p></div>'):
        html = ('<html lang="de"><head><title>Katzendecke mit Namen</title></head><body>'
                f'<h1>Katzendecke mit Namen</h1><main>{paragraphs}</main>{box}</body></html>')
        record = extract_record(html, url="https://shop.example.de/produkte/katzendecke/")
        assert record.published_at is None


def test_a_guessed_day_only_as_a_range_end_is_no_publication() -> None:
    paragraphs = "\n".join(f"<p>Absatz {i}: Eltern testen Folgemilch und schreiben uns.</p>"
                           for i in range(24))
    html = ('<html lang="de"><head><title>Produkttester werden</title></head><body>'
            f'<h1>Produkttester werden</h1><main>{paragraphs}<p>1.500 Eltern haben vom '
            '27.07. bis zum 20.08.2020 die Folgemilch getestet.</p></main></body></html>')
    record = extract_record(html, url="https://marktplatz.example.de/mitmachen/tests")
    assert record.published_at is None
