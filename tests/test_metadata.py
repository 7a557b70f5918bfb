"""worker.metadata: every structured source, each value tagged with its source."""

from __future__ import annotations

import lxml.html

from worker.metadata import extract_metadata


def meta_of(html: str):  # type: ignore[no-untyped-def]
    return extract_metadata(lxml.html.fromstring(html))


def values(meta, name: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(c.value, c.source) for c in meta.get(name)]


def test_jsonld_graph_article_wins_over_webpage() -> None:
    meta = meta_of("""<html><head><script type="application/ld+json">
    {"@graph": [{"@type": "WebPage", "datePublished": "2001-01-01"},
                {"@type": ["NewsArticle"], "headline": "H", "datePublished": "2024-05-14",
                 "author": [{"@type": "Person", "name": "A B"}, "C D"],
                 "publisher": {"@type": "Organization", "name": "Pub"}}]}
    </script></head><body></body></html>""")
    assert values(meta, "published")[0] == ("2024-05-14", "jsonld")
    assert ("2001-01-01", "jsonld:page") in values(meta, "published")
    assert values(meta, "authors") == [("A B", "jsonld"), ("C D", "jsonld")]
    assert values(meta, "publishers") == [("Pub", "jsonld")]
    assert values(meta, "title")[0] == ("H", "jsonld")


def test_jsonld_top_level_array_and_organisation_author() -> None:
    meta = meta_of("""<html><head><script type="application/ld+json">
    [{"@type": "BlogPosting", "headline": "T",
      "author": {"@type": "Organization", "name": "Org"}}]</script></head></html>""")
    assert values(meta, "authors") == []
    assert values(meta, "publishers") == [("Org", "jsonld")]


def test_broken_jsonld_is_repaired() -> None:
    meta = meta_of("""<html><head><script type="application/ld+json"><!--
    {"@type": "NewsArticle", "headline": "T", "datePublished": "2024-05-14",
     "description": "line
     break",}
    --></script></head></html>""")
    assert values(meta, "published") == [("2024-05-14", "jsonld")]


def test_hopeless_jsonld_falls_back_to_field_scan() -> None:
    meta = meta_of("""<html><head><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "T" "datePublished": "2024-05-14",
     "author": {"@type": "Person", "name": "Jane Doe"} oops</script></head></html>""")
    assert ("2024-05-14", "jsonld") in values(meta, "published")
    assert ("Jane Doe", "jsonld") in values(meta, "authors")


def test_opengraph_article_twitter_dc_and_meta() -> None:
    meta = meta_of("""<html lang="de-AT"><head>
    <meta property="og:title" content="OG">
    <meta property="og:site_name" content="Site">
    <meta property="article:published_time" content="2024-05-14T10:00:00+02:00">
    <meta property="article:author" content="https://facebook.com/someone">
    <meta property="article:tag" content="a"><meta property="article:tag" content="b">
    <meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="T W">
    <meta name="DC.creator" content="D C"><meta name="keywords" content="x, y">
    <link rel="canonical" href="/canon">
    </head><body></body></html>""")
    assert values(meta, "title") == [("OG", "og")]
    assert values(meta, "site_name") == [("Site", "og")]
    assert values(meta, "published") == [("2024-05-14T10:00:00+02:00", "article")]
    assert ("T W", "twitter") in values(meta, "authors")
    assert ("D C", "dc") in values(meta, "authors")
    assert not any(v.startswith("http") for v, _ in values(meta, "authors"))
    assert [v for v, _ in values(meta, "tags")] == ["a", "b", "x", "y"]
    assert values(meta, "canonical") == [("/canon", "html")]
    assert meta.html_lang == "de-AT"


def test_itemprop_and_time_element() -> None:
    meta = meta_of("""<html><body><article>
    <span itemprop="author" itemscope><span itemprop="name">Jane Doe</span></span>
    <time itemprop="datePublished" datetime="2024-05-14T08:00:00Z">14 May</time>
    <time datetime="2024-05-10">older</time>
    </article></body></html>""")
    assert values(meta, "authors")[0] == ("Jane Doe", "itemprop")
    assert values(meta, "published")[0] == ("2024-05-14T08:00:00Z", "itemprop")


def test_time_pubdate_only() -> None:
    meta = meta_of("""<html><body><article><p>x</p>
    <time datetime="2024-05-14T07:15:00Z" pubdate>14 May</time></article></body></html>""")
    assert values(meta, "published") == [("2024-05-14T07:15:00Z", "time")]


def test_rel_author_link() -> None:
    meta = meta_of('<html><body><a rel="author" href="/u/j">Jane Doe</a></body></html>')
    assert values(meta, "authors") == [("Jane Doe", "html")]


def test_autor_class_is_byline_markup() -> None:
    # "autor" (German, Spanish, Polish ...) as a class word, like "author"
    meta = meta_of('<html><body><div class="autor"><h6>Lucía Ortega | Publicado hace 3 horas'
                   '</h6></div></body></html>')
    assert values(meta, "authors") == [("Lucía Ortega | Publicado hace 3 horas", "byline")]


def test_empty_page() -> None:
    meta = extract_metadata(None)
    assert meta.first("title") is None


def test_review_authors_are_not_page_authors() -> None:
    meta = meta_of("""<html><body>
    <div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Hutch</span>
      <div itemprop="review" itemscope itemtype="https://schema.org/Review">
        <span itemprop="author">Stefanie</span>
        <meta itemprop="datePublished" content="2020-06-08"></div></div>
    <article itemscope itemtype="https://schema.org/Article">
      <span itemprop="author">Jane Doe</span></article></body></html>""")
    assert values(meta, "authors") == [("Jane Doe", "itemprop")]
    assert values(meta, "published") == []


def test_headline_kicker_and_hidden_parts() -> None:
    meta = meta_of("""<html><body><article>
    <h1><span class="dachzeile">Topic line</span> <span>The headline itself</span>
    <span class="element-invisible"> | Site</span></h1></article></body></html>""")
    assert meta.headline_h1 == "Topic line The headline itself"
    assert meta.headline_kicker == "Topic line"
    plain = meta_of("<html><body><article><h1>Just <em>one</em> headline</h1></article>"
                    "</body></html>")
    assert plain.headline_h1 == "Just one headline"
    assert plain.headline_kicker == ""


def test_text_bylines() -> None:
    def found(body: str) -> list[str]:
        meta = meta_of(f"<html><body>{body}</body></html>")
        return [c.value for c in meta.get("authors") if c.source == "textline"]

    assert found("<p>Von Anna Berger</p>") == ["Anna Berger"]
    assert found("<div>Posted on September 21, 2020 by Adi Tzlil</div>") == ["Adi Tzlil"]
    assert found("<p>Text: Ursula Eggers | 3. Mai 2021</p>") == ["Ursula Eggers"]
    # the name and the next label in separate elements are separate words
    assert found("<p>Von <a>Jana Roth</a><span>12.03.2021</span></p>") == ["Jana Roth"]
    # the kind of piece before the byline word
    assert found("<p>Ein Interview von Anna Berger</p>") == ["Anna Berger"]
    assert found("<p>A column by Jane Doe</p>") == ["Jane Doe"]
    # an agency after a slash
    assert found("<div>Datum: 03.11.2021 Autor: Ole Brandt/SP-X</div>") == ["Ole Brandt"]
    # a <br> ends a line: the label after the name is on the next one
    assert found("<div><span>Datum:</span> 19.11.2021<br><span>Autor:</span> Lena Graf<br>"
                 "<span>Quelle:</span> Kirchenbote</div>") == ["Lena Graf"]
    # a kicker and a separator before the byline word, the word alone in its element
    assert found('<div><span>Trending</span> <span class="screen-reader-text">| By </span> '
                 '<span>Lea Kranz</span> | <time>May 3, 2021</time></div>') == ["Lea Kranz"]
    # two particles in the name
    assert found("<div>By&nbsp;<a>Marta de la Vega</a></div>") == ["Marta de la Vega"]
    assert found("<p>Von Jan van der Berg</p>") == ["Jan van der Berg"]
    # a sentence, a capitalised noun, a footer line: no byline
    assert found("<p>Eine Reise von Berlin nach Hamburg</p>") == []
    assert found("<p>Von Bauteilen und Teilen</p>") == []
    assert found("<footer><p>Von Max Muster</p></footer>") == []
    # the byline word in its own element, the name in the next one
    assert found("<div><strong>von</strong> <span>Dennis Weber</span></div>") == [
        "Dennis Weber"]
    # an embedded post or a quote is someone else's
    assert found('<div class="social-embed"><p>Posted by Max Muster on Sunday</p></div>') == []
    assert found("<blockquote><p>Posted by Max Muster on Sunday</p></blockquote>") == []


def test_photo_credit_markup_is_no_byline() -> None:
    meta = meta_of('<html><body><div class="article-photo"><img src="a.jpg">'
                   '<span class="author">Photo from Max Muster</span></div>'
                   '<figure><figcaption><span class="author">Lea Sommer</span></figcaption>'
                   '</figure><p class="byline">Anna Berger</p></body></html>')
    assert values(meta, "authors") == [("Anna Berger", "byline")]


def test_copyright_holders() -> None:
    meta = meta_of("""<html><head><meta name="copyright" content="(C) 2020 Beispiel Verlag">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",
    "copyrightHolder": {"@type": "Organization", "name": "La Gaceta"}}</script>
    </head><body></body></html>""")
    assert values(meta, "copyright") == [("La Gaceta", "jsonld"),
                                         ("(C) 2020 Beispiel Verlag", "meta")]


def test_text_byline_user_name_after_an_author_label() -> None:
    meta = meta_of("<html><body><div>Geschrieben von cooper am 25.08.2015 22:30</div>"
                   "</body></html>")
    assert [c.value for c in meta.get("authors") if c.source == "textline"] == ["cooper"]


def test_person_publishers() -> None:
    meta = meta_of("""<html><head><script type="application/ld+json">
    {"@graph": [{"@type": ["Person", "Organization"], "@id": "#me", "name": "Jonas Brandt"},
    {"@type": "BlogPosting", "headline": "H", "author": {"@id": "#me"},
    "publisher": {"@id": "#me"}}]}</script></head><body></body></html>""")
    assert meta.person_publishers == ["Jonas Brandt"]
    assert values(meta, "publishers") == [("Jonas Brandt", "jsonld")]


def test_author_class_markup() -> None:
    def found(body: str) -> list[str]:
        meta = meta_of(f"<html><body>{body}</body></html>")
        return [c.value for c in meta.get("authors") if c.source == "author-class"]

    # any class with "author" in it, when its text is a name
    assert found('<div class="head-info__author-link">Lena Marquardt</div>') == [
        "Lena Marquardt"]
    assert found('<span class="Tech-Author">Por Tomás Ibarra</span>') == ["Por Tomás Ibarra"]
    assert found('<li class="meta-author">Jonas Weil und Pia Roth</li>') == [
        "Jonas Weil und Pia Roth"]
    assert found('<span class="field-contributor">Claire Dumas</span>') == ["Claire Dumas"]
    assert found('<h5 class="field--name-field-term-author">Claire Dumas</h5>') == [
        "Claire Dumas"]
    # not a name: a slogan, a date line, a single word
    assert found('<p class="author-cta">Jetzt mitmachen!</p>') == []
    assert found('<span class="author-date">Lena Marquardt, 3. Mai 2021</span>') == []
    # a numeric day after the name is cut
    assert found('<p class="date-author">Lena Marquardt, 01.12.2021</p>') == ["Lena Marquardt"]
    assert found('<span class="author-short">LM</span>') == []
    # teasers of other articles, comments
    assert found('<div class="related-posts"><span class="card-author">Max Muster</span>'
                 '</div>') == []
    assert found('<div class="comment-list"><span class="comment-author">Max Muster</span>'
                 '</div>') == []


def test_text_byline_under_a_page_layout_class() -> None:
    # <body class="one-sidebar">: the page's layout, not a sidebar around the byline
    meta = meta_of('<html><body class="page one-sidebar sidebar-second"><article>'
                   '<p>Written by: Nora Lindqvist</p></article></body></html>')
    assert [c.value for c in meta.get("authors") if c.source == "textline"] == [
        "Nora Lindqvist"]
    # a class saying the page has sidebars describes the layout, not a sidebar
    meta = meta_of('<html><body><div class="main has-double-sidebar"><h5><em>Von Lea Kranz'
                   '</em></h5></div><div class="sidebar"><p>Von Max Muster</p></div>'
                   '</body></html>')
    assert [c.value for c in meta.get("authors") if c.source == "textline"] == ["Lea Kranz"]
    meta = meta_of('<html><body><section class="gallery--wrapper__with-sidebar"><div>'
                   'Posted on May 3, 2021 by Lea Kranz</div></section></body></html>')
    assert [c.value for c in meta.get("authors") if c.source == "textline"] == ["Lea Kranz"]
    # a slider of other articles is not the article's byline
    meta = meta_of('<html><body><div class="glide__slides"><p>Par Louis Perrin</p></div>'
                   '</body></html>')
    assert [c.value for c in meta.get("authors") if c.source == "textline"] == []


def test_logo_h1_is_the_site_name() -> None:
    # a blog theme's <h1> links to the home page: the site's name, not a headline
    meta = meta_of('<html><body><header><h1><a href="https://www.gartenzeit.example/">'
                   'Gartenzeit</a></h1></header><article><h2>Tomaten im Topf</h2></article>'
                   '</body></html>')
    assert values(meta, "title") == []
    assert values(meta, "site_name") == [("Gartenzeit", "html")]
    assert meta.headline_h1 == ""
    # the logo aside, the article's <h1> is the only headline
    meta = meta_of('<html><body><h1 class="site-logo"><a href="/">Gartenzeit</a></h1>'
                   '<h1><a href="/2021/tomaten">Tomaten im Topf</a></h1></body></html>')
    assert values(meta, "title") == [("Tomaten im Topf", "html")]
    # an archived copy of the home page; a class word, not part of a longer word
    meta = meta_of('<html><body><h1><a href="https://web.archive.org/web/20150101000000/'
                   'http://gartenzeit.example/">Gartenzeit</a></h1></body></html>')
    assert values(meta, "title") == []
    meta = meta_of('<html><body><h1 class="post-title xyzblogtitle">Tomaten im Topf</h1>'
                   '</body></html>')
    assert values(meta, "title") == [("Tomaten im Topf", "html")]


def test_further_bylines_only_beside_the_first() -> None:
    meta = meta_of('<html><body><article><p class="meta"><span class="author">Ines Vogt</span>'
                   ' und <span class="author">Tom Brink</span></p><p>Text</p></article>'
                   '<aside><div class="box"><h3>Anderes Thema</h3><div><span class="author">'
                   'Max Muster</span></div></div></aside></body></html>')
    assert values(meta, "authors") == [("Ines Vogt", "byline"), ("Tom Brink", "byline"),
                                       ("Ines Vogt", "author-class"),
                                       ("Tom Brink", "author-class")]


def test_author_profile_links() -> None:
    def found(body: str, cls: str = "") -> list[str]:
        meta = meta_of(f'<html><body class="{cls}">{body}</body></html>')
        return [c.value for c in meta.get("authors") if c.source == "author-link"]

    # a link to the author's profile page whose text is a name; co-authors beside it
    assert found('<p><a href="/author/ines-vogt/">Ines Vogt</a> und '
                 '<a href="/author/tom-brink/">Tom Brink</a></p>') == ["Ines Vogt", "Tom Brink"]
    assert found('<div class="meta"><a href="https://x.example/autoren/ines-vogt">Ines Vogt'
                 '</a>, 3. Mai 2021</div>', cls="navbar-fixed-top") == ["Ines Vogt"]
    # not a profile page, not a name, a menu of columnists, a teaser elsewhere
    assert found('<a href="/author/">Ines Vogt</a><a href="/author/ines-vogt/">Alle Artikel ansehen'
                 '</a>') == []
    assert found('<nav><a href="/autor/ines-vogt">Ines Vogt</a></nav>') == []
    assert found('<ul class="dropdown-menu"><li><a href="/autor/ines-vogt">Ines Vogt</a></li>'
                 '</ul>') == []
    assert found('<article><div class="m"><a href="/staff/ines-vogt/">Ines Vogt</a></div>'
                 '</article><aside><div><div><a href="/staff/max-muster/">Max Muster</a></div>'
                 '</div></aside>') == ["Ines Vogt"]


def test_the_only_time_element() -> None:
    def published(body: str) -> list[tuple[str, str]]:
        return values(meta_of(f"<html><body>{body}</body></html>"), "published")

    # not marked, not in <article>: the page's only <time>, its datetime or else its text
    assert published('<ul class="m-meta"><li><time datetime="2022-01-25">25.01.2022</time>'
                     '</li></ul>') == [("2022-01-25", "time:only")]
    assert published('<div><time class="create-date"> 31.03.2020 </time></div>') == [
        ("31.03.2020", "time:only")]
    # one of several, or a comment's
    assert published('<time datetime="2022-01-25">a</time><time datetime="2022-01-26">b</time>'
                     ) == []
    assert published('<div class="comment_default"><time datetime="2014-11-05">05.11.2014'
                     '</time></div>') == []


def test_microdata_authors_only_beside_the_first() -> None:
    # the article's author, then the authors of cards of other articles further down
    meta = meta_of('<html><body><div class="meta"><span itemprop="author">by Ines Vogt</span>'
                   ' <span itemprop="author">Tom Brink</span></div><div class="cards"><div>'
                   '<div class="card"><span itemprop="author">by Max Muster</span></div></div>'
                   '</div></body></html>')
    assert [c.value for c in meta.get("authors") if c.source == "itemprop"] == [
        "by Ines Vogt", "Tom Brink"]


def test_jsonld_authors_of_teaser_articles_ignored() -> None:
    # the page's own article first, then article objects of teasers with their own authors
    meta = meta_of("""<html><head><script type="application/ld+json">
    [{"@type": "NewsArticle", "headline": "Own story", "author": {"@type": "Person",
      "name": "Ines Vogt"}},
     {"@type": "NewsArticle", "headline": "Other story", "author": {"@type": "Person",
      "name": "Tom Brink"}}]
    </script></head><body></body></html>""")
    assert values(meta, "authors") == [("Ines Vogt", "jsonld")]
    # the first article object without an author: a later one's author is still read
    meta = meta_of("""<html><head><script type="application/ld+json">
    [{"@type": "NewsArticle", "headline": "Own story"},
     {"@type": "Article", "headline": "Other", "author": "Tom Brink"}]
    </script></head><body></body></html>""")
    assert values(meta, "authors") == [("Tom Brink", "jsonld")]


def textlines(body: str) -> list[tuple[str, str]]:
    """The text-byline authors of a page with this ``<body>``."""
    return [v for v in values(meta_of(f"<html><body>{body}</body></html>"), "authors")
            if v[1] == "textline"]


def test_date_and_name_lines() -> None:
    jana = [("Jana Roth", "textline")]
    assert textlines('<div><h1>H</h1><p class="date">11.12.2019 - Jana Roth</p></div>') == jana
    assert textlines("<div><small>04.02.2022 | 13:10 Uhr | Jana Roth</small></div>") == jana
    # a sentence after the day, a sidebar's line
    assert textlines("<p>11.12.2019 - Neue Radwege am Kanal eröffnet</p>") == []
    assert textlines('<div class="sidebar"><p>11.12.2019 - Jana Roth</p></div>') == []


def test_text_byline_labels_and_credits() -> None:
    jana = [("Jana Roth", "textline")]
    # "Text & Fotos:" in its own element
    assert textlines("<table><tr><td><b>Text &amp; Fotos:</b> Jana Roth </td></tr></table>"
                     ) == jana
    assert textlines("<p>Text und Bild: Jana Roth</p>") == jana
    # "Redaktion: Name (role)"
    assert textlines("<div>05.02.2020 <span>- Redaktion: Jana Roth (Pressesprecherin)</span>"
                     "</div>") == jana
    # another credit after the name
    assert textlines("<p><em>Text von Jana Roth &#160; Illustration von Tom Brink</em></p>"
                     ) == jana


def test_layout_classes_are_not_sidebars() -> None:
    jana = [("Jana Roth", "textline")]
    assert textlines('<div class="layoutTwoColumnsRightSidebar page"><p>Von Jana Roth</p>'
                     '</div>') == jana
    assert textlines('<div class="clearfix with-navigation"><p>Von Jana Roth</p></div>') == jana
    # a sidebar or the navigation itself still is not the article
    assert textlines('<div class="right-sidebar"><p>Von Jana Roth</p></div>') == []
    assert textlines('<div class="main-navigation"><p>Von Jana Roth</p></div>') == []


def test_author_heading_and_author_id() -> None:
    # "Autor" as its own heading, the name in the next element (no colon)
    meta = meta_of('<html><body><div class="meta-col"><h4 class="meta-title">Autor</h4>'
                   '<p class="meta-text"><a href="/profil/jana-roth">Jana Roth</a></p></div>'
                   '</body></html>')
    assert ("Jana Roth", "textline") in values(meta, "authors")
    # no name after the heading
    meta = meta_of("<html><body><div><h4>Autor</h4><p>–</p></div></body></html>")
    assert values(meta, "authors") == []
    # an element whose id names it the author
    meta = meta_of('<html><body><div id="author_header">Jana Roth</div></body></html>')
    assert values(meta, "authors") == [("Jana Roth", "author-class")]


def test_author_markup_with_a_user_name() -> None:
    # "von <user>" in author markup: one word after the byline word
    meta = meta_of('<html><body><div class="field field-name-author"><div class="item">von '
                   '<a href="/redaktion/jana" class="username">Jana</a></div></div></body></html>')
    # (the link classed "username" is a user name too, a later source)
    assert values(meta, "authors") == [("von Jana", "author-class"), ("Jana", "username")]
    # a sentence is not
    meta = meta_of('<html><body><div class="author-box">by the way</div></body></html>')
    assert values(meta, "authors") == []


def test_author_box_first_line() -> None:
    # an author box: the name, then a bio paragraph and links: only its first line
    meta = meta_of('<html><body><div class="author"><a href="/@x"><div class="avatar"></div>'
                   '</a><div class="name"><a href="/@x"><strong>jdoe</strong></a><p>Writes '
                   'about search engines</p><div class="links">Message</div></div></div>'
                   '</body></html>')
    assert values(meta, "authors") == [("jdoe", "byline")]
    # a byline without paragraphs is read whole
    meta = meta_of('<html><body><div class="byline">Von <a href="/a">Jana Roth</a>, Kiel'
                   '</div></body></html>')
    assert values(meta, "authors")[0] == ("Von Jana Roth, Kiel", "byline")


def test_user_name_date_line() -> None:
    # a byline word, one user name and a date, before or after them, on a line of its own
    meta = meta_of('<html><body><h2><span>06.11.2023 13:30 von jdoe_7</span></h2>'
                   '<p>Der Text.</p></body></html>')
    assert values(meta, "authors") == [("jdoe_7", "user-line")]
    meta = meta_of('<html><body><div class="meta"><span>von <b>Kochfee</b> am 20.09.2020'
                   '</span></div></body></html>')
    assert values(meta, "authors") == [("Kochfee", "user-line")]
    # without a date it is no byline ("von Bedeutung"), nor in a comment section
    meta = meta_of("<html><body><p>von Bedeutung</p></body></html>")
    assert values(meta, "authors") == []
    meta = meta_of('<html><body><div class="comments"><p>von leserin am 20.09.2020</p>'
                   '</div></body></html>')
    assert values(meta, "authors") == []


def test_t8_kicker_before_unseen_separator() -> None:
    # a separator hidden from sight (class "invisible", aria-hidden) after the first part
    # marks that part as the kicker, whatever its class
    meta = meta_of('<html><body><article><h1><span class="green">Energy prices</span>'
                   '<span class="invisible">: </span><span class="headline">Berlin caps the '
                   'bill for small firms</span></h1></article></body></html>')
    assert meta.headline_kicker == "Energy prices"
    meta = meta_of('<html><body><article><h1><span>Floods</span><span aria-hidden="true"> – '
                   '</span><span>Dykes hold</span></h1></article></body></html>')
    assert meta.headline_kicker == "Floods"
    # a hidden part with words is no separator
    meta = meta_of('<html><body><article><h1><span>Floods</span><span aria-hidden="true">'
                   'read more here</span><span>Dykes hold</span></h1></article></body></html>')
    assert meta.headline_kicker == ""


def test_hidden_rel_author_link_is_no_byline() -> None:
    # a blog theme's invisible link to the blog's profile, named after the company
    meta = meta_of('<html><body><article><h1>Safer downloads</h1>'
                   '<a rel="author" style="display:none;" href="/profile/1"> Examplecorp </a>'
                   '<p>Examplecorp ships a new download check today.</p></article>'
                   '<div hidden><a rel="author" href="/u/2">Jane Doe</a></div>'
                   '<footer><a rel="author" href="/u/3">John Roe</a></footer></body></html>')
    assert [c.value for c in meta.get("authors") if c.source == "html"] == ["John Roe"]
