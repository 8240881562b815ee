"""Secrets blanked out of any text before it is logged, shown or written: one function for all.

`redact` takes a URL, a log line or a JSON dump and replaces with `***` every value that carries
a credential: a URL's userinfo password (`postgresql://u:pw@h/db`, also with an empty user), a
query parameter whose name says secret (`?password=`, `?token=`, `?api_key=`, however
percent-encoded or capitalised), a `"token": "..."` member of a JSON dump, and any of these
inside a percent-encoded URL (`?next=%2Fws%3Ftoken%3Dabc`).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, unquote_plus

MASK = "***"
# Parameter names are compared decoded, lower-cased and with `-` read as `_`: a name is secret
# when it is one of these or ends with one of the suffixes (`access_token`, `sslpassword`,
# `X-Amz-Security-Token`, `client_secret`, `X-Amz-Signature`).
SECRET_NAMES = frozenset({"key", "sig", "pwd", "auth", "passwd", "apikey", "api_key"})
SECRET_SUFFIXES = ("token", "secret", "password", "_key", "signature", "credentials")

# Regular expressions only to *find* candidates in free text, which urllib cannot do: a URL's
# password and a query's `name=value` pairs sit inside log lines and JSON. The names found are
# decoded with urllib (`%74oken` is `token`), so no pattern spells out encodings.
#
# A password runs from the `:` after the user (which may be empty) to the last `@` of the URL:
# SQLAlchemy reads `/`, `?` and `:` inside a password as part of it, where urlsplit would read a
# path, so the widest reading is the one that is blanked.
_USERINFO_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s\"':/@]*):[^\s\"']*@")
# A name after a query separator, the start of the text or a space (libpq's `password=pw`).
# A value ends at `?` too, so `?next=/ws?token=abc` (once decoded) shows its inner parameter.
_PARAMETER = re.compile(r"(^|[?&;\s])([^\s\"'=&;?#]+)=([^\s\"'&;?#]*)")
_JSON_MEMBER = re.compile(r"(\"([^\"\\]+)\"\s*:\s*\")((?:[^\"\\]|\\.)*)\"")
# Percent-encoded text is decoded this many times at most (`%253F` is `?` encoded twice).
_MAX_DECODINGS = 3
_WORD = re.compile(r"[^\s\"']*%[0-9A-Fa-f]{2}[^\s\"']*")
# Each pattern above needs one of these: `@` a password, `=` a parameter, `"` a JSON member,
# `%` an encoded word. Text without any holds no credential and skips the four passes.
_CREDENTIAL_MARKS = ("=", "@", '"', "%")


def is_secret_name(name: str) -> bool:
    """True for a parameter or field name that carries a credential, however it is encoded."""
    plain = unquote_plus(name).strip().lower().replace("-", "_")
    return plain in SECRET_NAMES or plain.endswith(SECRET_SUFFIXES)


def redact(text: str) -> str:
    """`text` with every credential it holds replaced by `***`; everything else unchanged."""
    if not any(mark in text for mark in _CREDENTIAL_MARKS):
        return text  # most log lines: a request path polled hundreds of times a second
    return _WORD.sub(_redact_encoded_word, _redact_plain(text))


def redact_url(url: str) -> str:
    """A URL fit for messages and files: its password and secret parameters replaced by ***."""
    return redact(url)


def _redact_plain(text: str) -> str:
    text = _USERINFO_PASSWORD.sub(rf"\1:{MASK}@", text)
    text = _PARAMETER.sub(_mask_parameter, text)
    return _JSON_MEMBER.sub(_mask_json_member, text)


def _mask_parameter(match: re.Match[str]) -> str:
    lead, name, value = match.groups()
    return f"{lead}{name}={MASK}" if value and is_secret_name(name) else match.group(0)


def _mask_json_member(match: re.Match[str]) -> str:
    head, name, value = match.groups()
    return f'{head}{MASK}"' if value and is_secret_name(name) else match.group(0)


def _redact_encoded_word(match: re.Match[str]) -> str:
    """A percent-encoded word that hides a credential (`%3Ftoken%3Dabc`), redacted and encoded
    again; a word that hides none is left exactly as it was."""
    word = decoded = match.group(0)
    for _ in range(_MAX_DECODINGS):
        decoded, previous = unquote(decoded), decoded
        if decoded == previous:
            break
        redacted = _redact_plain(decoded)
        if redacted != decoded:
            # Quotes and spaces stay encoded so a JSON dump or log line keeps its shape.
            return quote(redacted, safe="/?&=:;@*+,$!~()[]#")
    return word
