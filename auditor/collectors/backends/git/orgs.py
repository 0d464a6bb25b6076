"""Organisations from commit e-mail domains, for the elephant factor.

Why domains: a commit's address is the only affiliation git records. A public mail
provider says nothing about who pays for the work, so those addresses (and GitHub's
private ``noreply`` ones) belong to no organisation and are left out of the count.
Subdomains fold into their registrable domain (``us.ibm.com`` -> ``ibm.com``).
"""

from __future__ import annotations

import re

_PUBLIC = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "mail.com",
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sohu.com",
        "aliyun.com",
        "yandex.ru",
        "yandex.com",
        "ya.ru",
        "mail.ru",
        "rambler.ru",
        "fastmail.com",
        "fastmail.fm",
        "zoho.com",
        "hey.com",
        "tutanota.com",
        "tuta.io",
        "posteo.de",
        "posteo.net",
        "naver.com",
        "hanmail.net",
        "daum.net",
        "seznam.cz",
        "libero.it",
        "free.fr",
        "orange.fr",
        "laposte.net",
        "wanadoo.fr",
        "t-online.de",
        "rediffmail.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "btinternet.com",
        "riseup.net",
        "disroot.org",
        "github.com",
        "noreply.github.com",
        "users.noreply.github.com",
        "users.noreply.gitlab.com",
        "example.com",
        "example.org",
        "localhost",
        "localdomain",
    }
)
_PUBLIC_PATTERN = re.compile(r"^(?:yahoo|ymail|hotmail|outlook|live)\.[a-z.]+$")
_SECOND_LEVEL = frozenset({"co", "com", "ac", "org", "net", "gov", "edu", "ne", "or", "go"})


def registrable_domain(domain: str) -> str:
    """``a.b.example.co.uk`` -> ``example.co.uk``; a rough public-suffix rule."""
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def organisation(email: str) -> str | None:
    """The organisation an address belongs to, or None for personal and private ones."""
    _, at, domain = email.strip().lower().rpartition("@")
    if not at or "." not in domain or domain.startswith("["):
        return None
    if domain in _PUBLIC or domain.endswith(".noreply.github.com"):
        return None
    org = registrable_domain(domain)
    if org in _PUBLIC or _PUBLIC_PATTERN.match(org) or _PUBLIC_PATTERN.match(domain):
        return None
    return org
