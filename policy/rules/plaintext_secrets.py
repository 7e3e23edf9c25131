"""No plaintext credentials in container env values, command lines or ConfigMap data.

ConfigMap values are often whole files (an embedded ``.env``, a ``.properties`` file, JSON or
YAML): those are read entry by entry (rules.embedded_files), so a ``DB_PASSWORD=...`` line
inside ``app.env`` is named like a top-level key would be.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, Final

from rules import embedded_files
from rules.config import ConfigError, settings
from rules.k8s import (
    POD_TEMPLATE_KINDS,
    UNKNOWN,
    Violations,
    as_dict,
    as_list,
    containers,
    fmt,
    get,
    is_unknown,
    kind_of,
    label,
)

ENV_RULE: Final = "slipway-k8s-workload-plaintext-secrets"
ENV_DESCRIPTION: Final = (
    "No container env var holds a literal value that looks like a credential: a name such as "
    "PASSWORD, TOKEN, SECRET or KEY, a known key format, or a high-entropy string."
)
COMMAND_RULE: Final = "slipway-k8s-workload-command-secrets"
COMMAND_DESCRIPTION: Final = (
    "No container command or args carry a credential: a flag or assignment named like "
    "PASSWORD, TOKEN, SECRET or KEY with a literal value, a known key format, or a "
    "high-entropy string."
)
CONFIGMAP_RULE: Final = "slipway-k8s-configmap-plaintext-secrets"
CONFIGMAP_DESCRIPTION: Final = (
    "No ConfigMap entry, nor any entry of a file embedded in one (.env, properties, JSON, "
    "YAML), holds a value that looks like a credential: a key named like PASSWORD, TOKEN, "
    "SECRET or KEY, a known key format, or a high-entropy string."
)
DEFAULTS: Final[dict[str, Any]] = {
    # Regular expressions (case-insensitive) for names that hold credentials.
    "namePatterns": [
        "PASSW(OR)?D", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE",
        "(^|[_.-])(API|ACCESS|AUTH|SIGNING|ENCRYPTION)?_?KEY($|[_.-])", "APIKEY",
    ],
    # Exact names that match a pattern but hold no secret, e.g. "SIGNING_KEY_ID".
    "allowedNames": [],
    "minEntropy": 4.0,  # bits per character
    "minEntropyLength": 20,
}
_FORMATS: Final = (
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a URL with an embedded password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
    ("a GitHub or Slack token",
     re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9-]{10,})")),
)


# A reference to a value kept elsewhere: $(VAR) (Kubernetes), ${VAR} or $VAR (shells, files).
_REFERENCE: Final = re.compile(r"^\$(\(\w+\)|\{\w+(:?-[^}]*)?\}|\w+)$")
# --password=x, --token x, -Dapi.key=x, DB_PASSWORD=x, "password": "x" inside a command line.
_FLAG: Final = re.compile(r"^-{1,2}(?:D)?(?P<name>[A-Za-z][\w.-]*)(?:=(?P<value>.*))?$", re.S)
_VALUE: Final = r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s;&|)'\"-][^\s;&|)]*)"
# Inside a shell string: NAME=x (export NAME=x, --name=x, -Dname=x) and --name x.
_IN_STRING: Final = (
    re.compile(r"(?:^|[\s;&|(])(?:export\s+)?(?:-{1,2}D?)?(?P<name>[A-Za-z_][\w.-]*)=" + _VALUE),
    re.compile(r"(?:^|\s)-{1,2}(?P<name>[A-Za-z][\w.-]*)\s+" + _VALUE),
)


# DB_PASSWORD_FILE=/run/secrets/db, --token-path=/var/run/...: where a secret is, not the secret.
_POINTS_TO_FILE: Final = re.compile(r"(file|path|dir)$", re.IGNORECASE)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _compile(opts: dict[str, Any], rule: str) -> list[re.Pattern[str]]:
    try:
        return [re.compile(p, re.IGNORECASE) for p in opts["namePatterns"]]
    except (re.error, TypeError) as error:
        raise ConfigError(f"policy config for {rule}: a namePatterns entry is not a regular "
                          f"expression ({error}).") from error


def why_secret(
    name: str, value: str, opts: dict[str, Any], patterns: list[re.Pattern[str]]
) -> str | None:
    """Why this name/value pair looks like a credential, or None."""
    if not value.strip() or _REFERENCE.match(value.strip()):
        return None
    for what, pattern in _FORMATS:
        if pattern.search(value):
            return f"its value looks like {what}"
    if (name not in opts["allowedNames"] and any(p.search(name) for p in patterns)
            and not (_POINTS_TO_FILE.search(name) and value.startswith(("/", "./", "~/")))):
        return "its name marks a credential"
    token = value.strip()
    classes = sum(bool(re.search(r, token)) for r in ("[a-z]", "[A-Z]", "[0-9]"))
    if (len(token) >= opts["minEntropyLength"] and " " not in token and classes == 3
            and entropy(token) >= opts["minEntropy"]):
        return f"its value is a high-entropy string ({entropy(token):.1f} bits per character)"
    return None


def check_env_secrets(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(ENV_RULE, config, DEFAULTS)
    patterns = _compile(opts, ENV_RULE)
    out = Violations()
    kind = kind_of(props)
    if kind not in POD_TEMPLATE_KINDS:
        return out
    who = label(props)
    for c in containers(props, kind, out, ephemeral=True):
        for index, env in enumerate(as_list(get(c.spec, ("env",), out, c.path))):
            path = (*c.path, "env", index)
            if is_unknown(env):
                out.defer(fmt(path))
                continue
            name, value = as_dict(env).get("name"), get(as_dict(env), ("value",), out, path)
            if value is UNKNOWN or not isinstance(value, str) or not isinstance(name, str):
                continue
            reason = why_secret(name, value, opts, patterns)
            if reason:
                out.add(
                    f"{who}: {c.title} env var {name} ({fmt((*path, 'value'))}) holds a "
                    f"plaintext value and {reason}. Move it to a Secret and reference it with "
                    f"valueFrom.secretKeyRef."
                )
    return out


def _command_findings(
    items: list[Any], opts: dict[str, Any], patterns: list[re.Pattern[str]]
) -> Iterator[tuple[int, str, str]]:
    """(index, what, why) for each credential in a command or args list.

    ``--password=x`` and ``--password x`` (the next item), ``NAME=x`` assignments inside a
    shell string, known key formats and high-entropy items.
    """
    for index, item in enumerate(items):
        if not isinstance(item, str) or is_unknown(item):
            continue
        flag = _FLAG.match(item)
        if flag:
            name, value = flag.group("name"), flag.group("value")
            if value is None and index + 1 < len(items) and isinstance(items[index + 1], str) \
                    and not items[index + 1].startswith("-"):
                if any(p.search(name) for p in patterns) and name not in opts["allowedNames"]:
                    reason = why_secret(name, items[index + 1], opts, patterns)
                    if reason:
                        yield index + 1, f"the value of {item}", reason
                continue
            if value is not None:
                reason = why_secret(name, value.strip("'\""), opts, patterns)
                if reason:
                    yield index, f"{item.split('=', 1)[0]}=...", reason
                continue
        found = False
        for match in (m for regex in _IN_STRING for m in regex.finditer(item)):
            name, value = match.group("name"), match.group("value").strip("'\"")
            if any(p.search(name) for p in patterns) and name not in opts["allowedNames"]:
                reason = why_secret(name, value, opts, patterns)
                if reason:
                    found = True
                    yield index, f"{name}=...", reason
                    break
        if not found:
            reason = why_secret("", item, opts, patterns)
            if reason:
                yield index, "an argument", reason


def check_command_secrets(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(COMMAND_RULE, config, DEFAULTS)
    patterns = _compile(opts, COMMAND_RULE)
    out = Violations()
    kind = kind_of(props)
    if kind not in POD_TEMPLATE_KINDS:
        return out
    who = label(props)
    for c in containers(props, kind, out, ephemeral=True):
        for field in ("command", "args"):
            items = get(c.spec, (field,), out, c.path)
            if items is UNKNOWN:
                continue
            items = as_list(items)
            for index, item in enumerate(items):
                if is_unknown(item):
                    out.defer(fmt((*c.path, field, index)))
            for index, what, reason in _command_findings(items, opts, patterns):
                out.add(
                    f"{who}: {c.title} passes a credential on its command line: {what} "
                    f"({fmt((*c.path, field, index))}) is a literal and {reason}. Anyone who "
                    f"can list pods or processes reads it. Put it in a Secret and pass it as an "
                    f"env var (valueFrom.secretKeyRef), referenced as $(VAR) if it must be an "
                    f"argument."
                )
    return out


def check_configmap_secrets(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(CONFIGMAP_RULE, config, DEFAULTS)
    patterns = _compile(opts, CONFIGMAP_RULE)
    out = Violations()
    if kind_of(props) != "ConfigMap":
        return out
    who = label(props)
    for section in ("data", "binaryData"):
        entries = get(props, (section,), out)
        for key, value in as_dict(entries).items():
            path = fmt((section, key))
            if is_unknown(value):
                out.defer(path)
                continue
            if not isinstance(value, str):
                continue
            # binaryData is base64: only its key can tell.
            reason = why_secret(key, value if section == "data" else "x", opts, patterns)
            if reason:
                out.add(
                    f"{who}: {path} holds a plaintext value and {reason}. Move it to a Secret "
                    f"(or an ExternalSecret) and mount or reference it from there."
                )
                continue
            if section != "data":
                continue
            for entry in embedded_files.entries(key, value):
                reason = why_secret(entry.name, entry.value, opts, patterns)
                if reason:
                    out.add(
                        f"{who}: {path} is a {entry.format} file whose entry {entry.where} "
                        f"holds a plaintext value and {reason}. Move it to a Secret (or an "
                        f"ExternalSecret) and mount it as a file from there."
                    )
    return out
