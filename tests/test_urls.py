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


def test_domain_of() -> None:
    assert domain_of("https://www.Example.org/x") == "example.org"
    assert domain_of("http://127.0.0.1:8080/") == "127.0.0.1"
