"""What looks like a secret: key names and values.

One definition, used both to refuse secrets in `config` and `flags` (they would land in a
ConfigMap in plain text) and to keep every error message from ever printing one
(`errors.redact`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Whole words of a key name (split on _, -, . and camelCase) that name a credential.
SECRET_WORDS = frozenset({
    "PASSWORD", "PASSWD", "PASS", "PWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "KEY",
    "APIKEY", "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY",
})
# A word ending in one of these is a credential too (DBPASSWORD, CLIENTSECRET, AUTHTOKEN);
# words that merely start with one (PASSWORDLESS, TOKENIZER, SECRETARY, KEYCLOAK) are not.
SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL",
                   "CREDENTIALS")

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_BOUNDARY = r"(?<![A-Za-z0-9])"
# Well-known token formats: prefix plus enough characters that ordinary text does not match.
# Every quantifier is bounded, so a search stays linear in the text (a 100 KiB config value
# must not take minutes): real tokens are far shorter than the bounds.
TOKEN_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"-----BEGIN[A-Z0-9 ]{0,40}-----", "a PEM block (a key or certificate)"),
    (_BOUNDARY + r"[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s/@:'\"]{0,256}:[^\s/@'\"]{1,256}@",
     "a URL with a password in it"),
    (_BOUNDARY + r"(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{12,128}", "an AWS access key id"),
    (_BOUNDARY + r"gh[pousr]_[A-Za-z0-9]{8,255}", "a GitHub token"),
    (_BOUNDARY + r"github_pat_[A-Za-z0-9_]{8,255}", "a GitHub token"),
    (_BOUNDARY + r"glpat-[A-Za-z0-9_\-]{8,255}", "a GitLab token"),
    (_BOUNDARY + r"xox[abposr]-[A-Za-z0-9\-]{8,255}", "a Slack token"),
    (_BOUNDARY + r"(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,255}", "a Stripe key"),
    (_BOUNDARY + r"sk-(proj-|ant-)?[A-Za-z0-9_\-]{16,255}", "an API secret key"),
    (_BOUNDARY + r"AIza[0-9A-Za-z_\-]{30,255}", "a Google API key"),
    (_BOUNDARY + r"npm_[A-Za-z0-9]{30,255}", "an npm token"),
    (_BOUNDARY + r"pypi-[A-Za-z0-9_\-]{30,255}", "a PyPI token"),
    (_BOUNDARY + r"SG\.[A-Za-z0-9_\-]{16,128}\.[A-Za-z0-9_\-]{16,128}", "a SendGrid key"),
    (_BOUNDARY + r"eyJ[A-Za-z0-9_\-]{8,1024}\.eyJ[A-Za-z0-9_\-]{8,2048}\.",
     "a JSON Web Token"),
)
_TOKENS = [(re.compile(pattern), kind) for pattern, kind in TOKEN_PATTERNS]


def key_words(name: str) -> list[str]:
    return [word.upper() for word in _WORD.findall(name)]


def is_secret_key(name: str) -> bool:
    """DB_PASSWORD, apiKey, client-secret, GITHUB_TOKEN; not MAX_TOKENS or KEYCLOAK_URL."""
    words = [w for part in re.split(r"[_\-.\s]+", name) for w in key_words(part)]
    # Also the whole separated parts (APIKEY written as one word in upper case).
    words += [part.upper() for part in re.split(r"[_\-.\s]+", name) if part]
    return any(word in SECRET_WORDS or word.endswith(SECRET_SUFFIXES) for word in words)


def secret_kind(text: str) -> str | None:
    """What kind of secret `text` looks like (a GitHub token, a PEM block...), or None."""
    for pattern, kind in _TOKENS:
        if pattern.search(text):
            return kind
    return None


def scrub(text: str) -> str:
    """`text` with every secret-looking run replaced by <redacted>."""
    # A PEM block runs to its END line, or to the end of the message.
    text = _PEM_BLOCK.sub("<redacted>", text)
    text = _URL_PASSWORD.sub(r"\1<redacted>@", text)
    for pattern, _ in _TOKENS[2:]:
        text = pattern.sub("<redacted>", text)
    return text


_PEM_BLOCK = re.compile(r"-----BEGIN[A-Z0-9 ]{0,40}-----.*?(-----END[A-Z0-9 ]{0,40}-----|$)",
                        re.DOTALL)
_URL_PASSWORD = re.compile(r"(://)[^\s/@:'\"]{0,256}:[^\s/@'\"]{1,256}@")


ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def sensitive_values(data: Any) -> set[str]:
    """Every scalar in a parsed document that must never be printed: anything under a
    secret-looking key (at any depth) and anything that looks like a secret wherever it is.

    `secrets` lists names (DB_PASSWORD), which may be printed; anything else written there
    (a value pasted by mistake, a mapping of name to value) may not."""
    return {text for text in _walk(data, under_secret=False) if text}


def _walk(data: Any, under_secret: bool) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "secrets" and isinstance(value, list) and not under_secret:
                for item in value:
                    if not (isinstance(item, str) and ENV_NAME.match(item)):
                        yield from _walk(item, under_secret=True)
                continue
            if key == "secrets" and isinstance(value, dict):
                # A mapping where names go: its keys are names only if they look like names.
                yield from (str(name) for name in value
                            if not (isinstance(name, str) and ENV_NAME.match(name)))
            yield from _walk(value, under_secret or is_secret_key(str(key)))
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item, under_secret)
    elif isinstance(data, bool) or data is None:
        return
    else:
        text = str(data)
        if under_secret or secret_kind(text) is not None:
            yield text
