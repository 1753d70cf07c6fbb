"""Canonical item URLs: one spelling per article, tracking parameters removed."""

from __future__ import annotations

import contextlib
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

# Exact parameter names that only track the reader; any ``utm_*`` is dropped as well.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "cmpid", "cmp", "icid",
        "ocid", "ito", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "smid", "sr_share",
        "rss", "rssfeed", "feature", "xtor", "at_medium", "at_campaign", "ncid",
        "soc_src", "soc_trk", "spm", "__twitter_impression",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _without_trackers(query: str) -> str:
    """The query minus tracking parameters; the rest keeps its order and exact spelling."""
    segments = query.split("&")
    kept = [seg for seg in segments if seg and not _is_tracking(unquote_plus(seg.split("=", 1)[0]))]
    return query if len(kept) == len(segments) else "&".join(kept)


def without_password(url: str) -> str:
    """``url`` with the password of a ``user:password@`` part masked, for what is printed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return urlunsplit(parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{host}"))


def canonical_url(url: str, base: str | None = None) -> str:
    """Resolve ``url`` against ``base``; lower-case scheme and host, drop fragment and trackers,
    and any ``user:password@``: a link readers are given never carries the feed's login (a
    relative link resolved against a feed URL that has one would).

    Other query parameters keep their order (it can matter to the site). Non-http(s)
    values come back stripped but otherwise as given; an empty ``url`` gives "".
    """
    url = (url or "").strip()
    if not url:
        return ""
    if base and not url.lower().startswith(("http://", "https://")):
        with contextlib.suppress(ValueError):  # a malformed base: keep the link as given
            url = urljoin(base.strip(), url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return url
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = _without_trackers(parts.query) if parts.query else ""
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))
