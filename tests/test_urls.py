from __future__ import annotations

import pytest

from worker.errors import PermanentError
from worker.urls import domain_of, normalize_url, validate_url


@pytest.mark.parametrize("url, expected", [
    ("HTTP://Example.COM:80/a?utm_source=x&id=3#frag", "http://example.com/a?id=3"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com:443/x?fbclid=abc&gclid=1", "https://example.com/x"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),
    ("https://example.com/%7Euser/caf%C3%A9", "https://example.com/~user/caf%C3%A9"),
    ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),
    ("http://[::1]:8080/x?utm_medium=m", "http://[::1]:8080/x"),
    ("https://example.com./path", "https://example.com/path"),
    # Escapes that change the meaning stay (upper-cased); unreserved ones are decoded.
    ("https://example.com/a%2fb/%7e%41?q=%e4", "https://example.com/a%2Fb/~A?q=%E4"),
    ("https://example.com/a?url=https://x.org/?y=1&r=a+b%20c",
     "https://example.com/a?url=https://x.org/?y=1&r=a+b%20c"),
    ("https://example.com/%zz/100%", "https://example.com/%25zz/100%25"),
    ("https://example.com/a?flag&&x=&", "https://example.com/a?flag&x="),
    # Session ids and more trackers (any case); `#!` routes are pages of their own.
    ("https://example.com/a;jsessionid=0A1B?x=1&PHPSESSID=9", "https://example.com/a?x=1"),
    ("https://example.com/a?CMP=share_btn_tw&xtor=RSS-3&_ga=2.1&wt_mc=rss",
     "https://example.com/a"),
    ("https://example.com/app#!/story/5", "https://example.com/app#!/story/5"),
    # Dot segments (RFC 3986 5.2.4), also escaped ones; a trailing "." is junk.
    ("https://example.com/a/./b/../c/%2E", "https://example.com/a/c/"),
    ("https://example.com/../a/..", "https://example.com/"),
    ("https://example.com/news/18725/.", "https://example.com/news/18725/"),
])
def test_normalize(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize("url, fragment", [
    ("", "empty"),
    ("ftp://example.com/x", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("example.com/x", "scheme"),
    ("https://", "no host"),
    ("https://user:pw@example.com/", "credentials"),
    ("https://exa mple.com/", "whitespace"),
    ("https://example.com:99999/", "malformed"),
    ("https://example.com:0/", "port 0"),
    ("http://" + "a" * 5000 + ".com/", "longer"),
])
def test_invalid(url: str, fragment: str) -> None:
    with pytest.raises(PermanentError) as info:
        validate_url(url)
    assert info.value.reason == "invalid_url"
    assert fragment in info.value.message


def test_urls_that_differ_only_in_non_utf8_escapes_stay_apart() -> None:
    """Latin-1 escapes on an old CMS name different articles: never one identity."""
    assert (normalize_url("https://example.de/artikel.php?titel=M%FCnchen")
            != normalize_url("https://example.de/artikel.php?titel=M%F6nchen"))


def test_domain_of() -> None:
    assert domain_of("https://www.Example.org/x") == "example.org"
    assert domain_of("http://127.0.0.1:8080/") == "127.0.0.1"
