"""URL validation and normalisation (the identity of an article row)."""

from __future__ import annotations

import re
import string
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from worker.errors import PermanentError

__all__ = ["normalize_url", "validate_url", "domain_of", "article_identity", "trusted_canonical",
           "MAX_URL_LENGTH"]

MAX_URL_LENGTH = 4096
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "ga_")
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid", "ncid", "sr_share", "smid",
    "at_medium", "at_campaign", "ref_src", "__twitter_impression", "_ga", "_gl", "xtor",
    "wt_mc", "wt_zmc", "cmp", "jsessionid", "phpsessid",
})
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
# RFC 3986: unreserved characters are the same escaped or not; every other escape keeps its
# meaning ("%2F" is not "/", "%E4" is a Latin-1 byte, not UTF-8), so it is only upper-cased.
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Characters left as they are in a path / query (everything else is percent-encoded as UTF-8).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
# A servlet session id in the path ("/a;jsessionid=0A1B?x=1").
_PATH_SESSION = re.compile(r";jsessionid=[^/]*", re.IGNORECASE)
# What may follow an article's own path in the URL of another version of it.
_VERSION_SUFFIX = re.compile(r"(?:(?:amp|print)(?:\.html)?/?)?", re.IGNORECASE)
# The page-number parameter of a later page of a paginated article ("?page=2", "?seite=3";
# not WordPress's "?p=", a post id). A page folder ("/story/2/") is a folder below the
# article's path, which the section rule already distrusts.
_PAGE_PARAMS = frozenset({"page", "pg", "paged", "pagina", "seite", "strona", "pagenum",
                          "pagenumber", "page_no", "pageno", "pag"})


def validate_url(url: str) -> str:
    """Return the stripped URL, or raise ``PermanentError('invalid_url')`` saying why."""
    if not isinstance(url, str):
        raise PermanentError("invalid_url", f"not a string: {url!r}")
    candidate = url.strip()
    if not candidate:
        raise PermanentError("invalid_url", "empty URL")
    if len(candidate) > MAX_URL_LENGTH:
        raise PermanentError("invalid_url", f"URL longer than {MAX_URL_LENGTH} characters")
    if _CONTROL_OR_SPACE.search(candidate):
        raise PermanentError("invalid_url", "URL contains whitespace or control characters")
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError as exc:
        raise PermanentError("invalid_url", f"malformed URL: {exc}") from exc
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise PermanentError(
            "invalid_url", f"scheme {parts.scheme or '(none)'!r} is not http or https"
        )
    host = parts.hostname
    if not host:
        raise PermanentError("invalid_url", "URL has no host")
    if parts.username is not None or parts.password is not None:
        raise PermanentError("invalid_url", "credentials in URLs are refused")
    if port == 0:
        raise PermanentError("invalid_url", "port 0 is invalid")
    try:
        _idna(host)
    except UnicodeError as exc:
        raise PermanentError("invalid_url", f"host {host!r} is not a valid name") from exc
    return candidate


def _idna(host: str) -> str:
    if host.startswith("["):
        return host
    if host.isascii():
        for label in host.split("."):
            if label.lower().startswith("xn--"):
                label.encode("ascii").decode("idna")  # raises UnicodeError when malformed
        return host.lower()
    return ".".join(
        label.encode("idna").decode("ascii") if label else label
        for label in host.lower().split(".")
    )


def _escapes(component: str, safe: str) -> str:
    """``component`` with RFC 3986 percent-encoding normalisation and nothing else changed:
    characters that must be escaped are (as UTF-8), escapes of unreserved characters are
    decoded, all other escapes keep their byte and get upper-case hex digits."""
    component = quote(_STRAY_PERCENT.sub("%25", component), safe=safe)

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    return _ESCAPE.sub(fix, component)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 (5.2.4): "/a/./b/../c/." is "/a/c/"."""
    if "." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    for i, segment in enumerate(segments):
        if segment in (".", ".."):
            if segment == ".." and len(out) > 1:
                out.pop()
            if i == len(segments) - 1:
                out.append("")
            continue
        out.append(segment)
    return "/".join(out)


def _is_tracking(pair: str) -> bool:
    key = unquote(pair.split("=", 1)[0]).lower()
    return key.startswith(_TRACKING_PREFIXES) or key in _TRACKING_PARAMS


def normalize_url(url: str) -> str:
    """Canonical form used as article identity.

    Lower-cases scheme and host, converts IDN hosts to punycode, drops default ports,
    dot segments (``/a/./b/..``), fragments (except ``#!`` routes of script-driven sites),
    tracking and session parameters
    (``utm_*``, ``fbclid``, ``gclid``, ``;jsessionid=``, ...), empty parameters and empty
    queries, and normalises percent-encoding the way RFC 3986 allows (it never decodes an
    escape that could change the meaning: ``%2F``, ``%26``, non-UTF-8 bytes). Parameters keep
    their order and their exact spelling (``+`` stays ``+``): servers may tell them apart.
    """
    parts = urlsplit(validate_url(url))
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    host = _idna(host).rstrip(".")
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_escapes(_PATH_SESSION.sub("", parts.path), _PATH_SAFE)) or "/"
    query = "&".join(_escapes(pair, _QUERY_SAFE) for pair in parts.query.split("&")
                     if pair and not _is_tracking(pair))
    fragment = _escapes(parts.fragment, _QUERY_SAFE) if parts.fragment.startswith("!") else ""
    return urlunsplit((scheme, netloc, path, query, fragment))


def domain_of(url: str) -> str:
    """Host of a URL without ``www.``, lower-cased (the ``articles.domain`` column)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if host.startswith(prefix):
            return host[len(prefix):]
    return host


def trusted_canonical(page_url: str, canonical: str | None) -> str | None:
    """The page's canonical URL, normalised, when it can be trusted as the article identity.

    Trusted: a valid http(s) URL on the same site as the page (``www.``/``m.``/``amp.``
    variants and subdomains count as the same site), and not the site's home page or a
    section above the page when the page itself is not (``/news/`` for ``/news/2024/story``:
    a common misconfiguration that would merge every article of a site or section into one
    row). The one folder a page may sit below its canonical URL in is an AMP or print
    version of it (``/story/amp/``, ``/story/print``). Nor is it trusted on a later page of
    a paginated article that names its first page as canonical (``/story?page=2`` or
    ``/story/2/`` for ``/story``): each page keeps a row of its own, else page 2 would
    overwrite page 1.
    """
    if not canonical:
        return None
    try:
        canon = normalize_url(canonical)
        page = normalize_url(page_url)
    except PermanentError:
        return None
    c, p = urlsplit(canon), urlsplit(page)
    c_site, p_site = _site(c.hostname or ""), _site(p.hostname or "")
    same_site = c_site == p_site or c_site.endswith("." + p_site) or p_site.endswith("." + c_site)
    if not same_site:
        return None
    if not c.query and c.path != p.path and _is_section_of(c.path, p.path):
        return None
    numbered = _page_number(p.query)
    if numbered is not None and _page_number(c.query) != numbered:
        return None
    return canon


def _page_number(query: str) -> tuple[str, str] | None:
    """The page-number parameter of a query with a number above 1, as (key, value)."""
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if unquote(key).lower() in _PAGE_PARAMS and value.isdigit() and int(value) >= 2:
            return unquote(key).lower(), value
    return None


def _is_section_of(section: str, path: str) -> bool:
    """Whether ``section`` is a folder above ``path`` (not its AMP or print version)."""
    folder = section if section.endswith("/") else section + "/"
    if not path.startswith(folder):
        return False
    return _VERSION_SUFFIX.fullmatch(path[len(folder):]) is None or section in ("", "/")


def article_identity(page_url: str, canonical: str | None = None) -> str:
    """The ``articles.url`` of a page: its trusted canonical URL, else its own normalised URL."""
    return trusted_canonical(page_url, canonical) or normalize_url(page_url)
