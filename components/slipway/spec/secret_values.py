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
# A word ending in one of these is a credential too (DBPASSWORD, CLIENTSECRET, AUTHTOKEN,
# DBPASS, SSHKEY); words that merely start with one (PASSWORDLESS, TOKENIZER, SECRETARY,
# KEYCLOAK) are not, nor the English words below that happen to end in one.
SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL",
                   "CREDENTIALS", "PASS", "PWD", "KEY", "CREDS", "SECRETS")
NOT_SECRET_WORDS = frozenset({
    "BYPASS", "COMPASS", "SURPASS", "TRESPASS", "OVERPASS", "UNDERPASS", "MONKEY", "TURKEY",
    "HOCKEY", "JOCKEY", "WHISKEY", "DONKEY", "LACKEY", "HOTKEY", "TURNKEY",
})
# Where any of these appears in a key name, however it is written, the value is kept out of
# messages (`sensitive_values`). Broader than `is_secret_key`, which refuses: hiding a value
# costs nothing, refusing MAX_TOKENS would.
SENSITIVE_PARTS = ("PASS", "PWD", "SECRET", "TOKEN", "CRED", "KEY", "PRIVATE")

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_BOUNDARY = r"(?<![A-Za-z0-9])"
# Well-known token formats: prefix plus enough characters that ordinary text does not match.
# Every quantifier is bounded, so a search stays linear in the text (a 100 KiB config value
# must not take minutes): real tokens are far shorter than the bounds.
TOKEN_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"-----BEGIN[A-Z0-9 ]{0,40}-----", "a PEM block (a key or certificate)"),
    (_BOUNDARY + r"[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s/@:'\"]{0,256}:[^\s/@'\"]{1,256}@",
     "a URL with a password in it"),
    # https://<token>@github.com: on the web a user part alone is a credential too.
    (r"(?i)" + _BOUNDARY + r"(https?|ftps?|wss?|git\+https?)://[^\s/@:'\"]{1,256}@",
     "a URL with credentials in it"),
    # user:password@host without a scheme (a Redis or broker address); not an image digest.
    (r"(?<![A-Za-z0-9+.\-:/])(?!mailto:)[A-Za-z0-9_.\-]{1,256}:[^\s/@:'\"]{1,256}"
     r"@(?!sha256:)(?=[A-Za-z0-9])",
     "an address with a password in it"),
    # password=..., token=... in a query string, a connection string or a command line.
    (r"(?i)(?<![A-Za-z0-9])[A-Za-z_\-]{0,40}(password|passwd|pwd|secret|token|api[_\-]?key|"
     r"access[_\-]?key|private[_\-]?key|credentials?)=[^\s&;,'\"]{3,256}",
     "a password or token written as name=value"),
    (r"(?<![A-Za-z0-9])(Basic|Bearer) {1,3}[A-Za-z0-9+/=._~\-]{12,1024}",
     "an HTTP Authorization credential"),
    (r"\"(private_key|client_secret|refresh_token)\"\s{0,3}:", "a JSON key file"),
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
# All patterns in one search: most values match none, and one pass over them is what keeps a
# file of 50,000 values quick.
_ANY_TOKEN = re.compile("|".join(
    f"(?i:{pattern[4:]})" if pattern.startswith("(?i)") else f"(?:{pattern})"
    for pattern, _ in TOKEN_PATTERNS))


def key_words(name: str) -> list[str]:
    return [word.upper() for word in _WORD.findall(name)]


# Every secret word and suffix holds one of these: a key without any is not one (fast path).
_SECRETISH = re.compile("PASS|PWD|SECRET|TOKEN|KEY|CRED", re.IGNORECASE)


def is_secret_key(name: str) -> bool:
    """DB_PASSWORD, apiKey, client-secret, GITHUB_TOKEN; not MAX_TOKENS or KEYCLOAK_URL."""
    if _SECRETISH.search(name) is None:
        return False
    words = [w for part in re.split(r"[_\-.\s]+", name) for w in key_words(part)]
    # Also the whole separated parts (APIKEY written as one word in upper case).
    words += [part.upper() for part in re.split(r"[_\-.\s]+", name) if part]
    return any(word in SECRET_WORDS or (word.endswith(SECRET_SUFFIXES)
                                        and word not in NOT_SECRET_WORDS) for word in words)


def is_sensitive_key(name: str) -> bool:
    """A key whose value no message may print: any credential-like part, however written."""
    upper = name.upper()
    return any(part in upper for part in SENSITIVE_PARTS) or is_secret_key(name)


def secret_kind(text: str) -> str | None:
    """What kind of secret `text` looks like (a GitHub token, a PEM block...), or None."""
    if _ANY_TOKEN.search(text) is None:
        return None
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


def sensitive_values(data: Any, field_names: frozenset[str] = frozenset()) -> set[str]:
    """Every scalar in a parsed document that must never be printed: anything under a
    secret-looking key (at any depth) and anything that looks like a secret wherever it is.

    `secrets` lists names (DB_PASSWORD), which may be printed; anything else written there
    (a value pasted by mistake, a mapping of name to value) may not."""
    return {text for text in _walk(data, NOT_SENSITIVE, field_names) if text}


NOT_SENSITIVE, NAMED_LIKE_A_SECRET, SECRET = 0, 1, 2
"""How a key marks what is under it: a credential key (DB_PASSWORD) hides every value; a key
that only contains a credential-like part (MAX_TOKENS) hides text, not numbers."""


def _walk(data: Any, level: int, field_names: frozenset[str]) -> Iterator[str]:
    """`field_names`: keys of the spec itself (automountToken), never secret by their name."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "secrets" and isinstance(value, list) and level < SECRET:
                for item in value:
                    if not (isinstance(item, str) and ENV_NAME.match(item)):
                        yield from _walk(item, SECRET, field_names)
                continue
            if key == "secrets" and isinstance(value, dict):
                # A mapping where names go: its keys are names only if they look like names.
                yield from (str(name) for name in value
                            if not (isinstance(name, str) and ENV_NAME.match(name)))
            yield from _walk(value, max(level, _key_level(str(key), field_names)), field_names)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item, level, field_names)
    elif isinstance(data, bool) or data is None:
        return
    else:
        text = str(data)
        if level == SECRET or (level == NAMED_LIKE_A_SECRET and isinstance(data, str)) \
                or secret_kind(text) is not None:
            yield text


def _key_level(key: str, field_names: frozenset[str]) -> int:
    if key == "secrets" or (key not in field_names and is_secret_key(key)):
        return SECRET
    if key not in field_names and is_sensitive_key(key):
        return NAMED_LIKE_A_SECRET
    return NOT_SENSITIVE
