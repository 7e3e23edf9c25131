"""Property checks of the catalog loader, run by test_loader_properties.py in a subprocess with
limits on memory and CPU time (so that a hang or an explosion fails the test instead of the
machine).

Properties, over any bytes, any YAML-looking text, any data YAML can dump and any mutation of
the example services: `load_catalog` either loads or raises `SpecError`; never another
exception; every line names a file of the catalog (`services/<file>: ...`); no line holds the
canary planted in secret-looking places; each load takes less than `MAX_SECONDS`.

Prints one line, `ok <examples>`, or the first failure, and exits non-zero on failure.
"""

from __future__ import annotations

import datetime
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slipway.spec import SpecError, load_catalog

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = {path.name: path.read_text(encoding="utf-8")
            for path in sorted((REPO / "services").glob("*.yaml"))}
CANARY = "c4n4ry"
MAX_SECONDS = 5.0
ENVIRONMENTS = st.sampled_from([None, "dev", "prod", "pr-7"])
SETTINGS = settings(max_examples=int(sys.argv[1]) if sys.argv[1:2] != ["--selftest"] and
                    len(sys.argv) > 1 else 100,
                    deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

# Values that YAML or the spec treats specially, and secrets that must never be printed.
TRICKY = [
    "NO", "off", "yes", "0022", "2.10", "1:30", "2024-02-30", "2024-05-01", "~", "''", "\"\"",
    "*", "&x", "!!binary aGk=", "!tag x", "<<", "0.0.0.0/0", "::/0", "169.254.169.254/32",
    "arn:aws:s3:::*/*", "iam:PassRole", "/../x", "//", "/a b", "-1", "0", "80", "1e400",
    "9" * 400, "[", "{", "}", "]", "\"unterminated", "x" * 300, "é", "\t", "- x", "? x",
    f"ghp_{CANARY}0123456789abcdef", f"postgres://u:{CANARY}@db/x", f"AKIA{CANARY.upper()}AB12CD34",
    f"\"-----BEGIN PRIVATE KEY-----\\n{CANARY}\\n-----END PRIVATE KEY-----\"",
    # Credentials as people paste them (session 5): none may be echoed whatever the field.
    f"\"Basic {CANARY}dXNlcjpwYXNz\"", f"\"Bearer {CANARY}abcdef012345\"",
    f"https://{CANARY}tokenvalue@github.com/x", f"u:{CANARY}@redis.example.com",
    f"\"--password={CANARY}pw\"", f"\"/x?access_token={CANARY}abc\"", "\"8080\"", "\"false\"",
    "0x10", "1_000", ".nan", "\u2028", "\u202e",
]
SECRET_LINES = [
    f"  DB_PASSWORD: {CANARY}-hunter2", f"secrets: {{DB_PASSWORD: {CANARY}-pw}}",
    f"secrets: [\"{CANARY}-not-a-name\"]", f"credentials: {{token: {CANARY}-t}}",
    f"config: {{API_TOKEN: {CANARY}-t, X: {{password: {CANARY}-p}}}}",
    f"  GH: ghp_{CANARY}0123456789abcdefABCDEF",
    f"team: \"u:{CANARY}@a.example.com\"", f"commit: \"--token={CANARY}abc\"",
    f"config: {{AUTH_HEADER_X: \"Bearer {CANARY}abcdef0123\"}}",
    f"exposure: {{public: true, host: \"https://{CANARY}tok@x.example.com\"}}",
    f"calls: [{{service: \"postgres://u:{CANARY}@db\"}}]",
]

seen: list[int] = []  # one entry per example checked


def check(files: dict[str, bytes], environment: str | None) -> None:
    """Write the catalog, load it, and hold the loader to the properties."""
    seen.append(1)
    root = Path(tempfile.mkdtemp(prefix="slipway-prop-"))
    try:
        services = root / "services"
        services.mkdir()
        for name, content in files.items():
            (services / name).write_bytes(content)
        os.chdir(root)
        start = time.perf_counter()
        try:
            load_catalog(Path("services"), environment)
            lines: list[str] = []
        except SpecError as err:
            lines = err.problems
        elapsed = time.perf_counter() - start
        assert elapsed < MAX_SECONDS, f"load took {elapsed:.1f}s"
        prefixes = tuple(f"services/{name}: " for name in files)
        for line in lines:
            assert line.startswith(prefixes), f"line names no file: {line!r}"
            assert "\n" not in line, f"line spans lines: {line!r}"
            assert CANARY not in line, f"canary printed: {line!r}"
    except BaseException:
        print(f"FAILED on {files!r} ({environment})", file=sys.stderr)
        raise
    finally:
        os.chdir(REPO)
        shutil.rmtree(root, ignore_errors=True)


def catalog_with(name: str, text: bytes) -> dict[str, bytes]:
    files = {other: content.encode() for other, content in EXAMPLES.items()}
    files[name] = text
    return files


@SETTINGS
@given(data=st.binary(max_size=2048), environment=ENVIRONMENTS)
def any_bytes(data: bytes, environment: str | None) -> None:
    check({"api.yaml": data}, environment)


YAML_PIECES = st.sampled_from([
    "name: ", "api", "\n", "  ", "- ", ": ", "{", "}", "[", "]", ", ", "&a ", "*a", "!!binary ",
    "!x ", "<<: ", "? ", "'", '"', "|\n  ", ">\n  ", "---\n", "...\n", "#", "%YAML 1.1\n",
    "\\", "\t", "é", "\x00", "\ufeff", "version: ", "config: ", "environments: ", "prod: ",
    "1.10", "NO", "0022", "2024-01-01", "~", "null", "true", "0x1F", ".inf", "1:2:3",
]) | st.sampled_from(TRICKY)


@SETTINGS
@given(pieces=st.lists(YAML_PIECES, max_size=60), environment=ENVIRONMENTS)
def any_yaml_text(pieces: list[str], environment: str | None) -> None:
    check({"api.yaml": "".join(pieces).encode("utf-8", "surrogatepass")}, environment)


SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=40) | st.dates() | st.sampled_from(TRICKY))
KEYS = st.sampled_from(["name", "image", "version", "port", "config", "secrets", "flags",
                        "environments", "prod", "dev", "pr", "exposure", "path", "host",
                        "egress", "cidr", "aws", "permissions", "probes", "DB_PASSWORD",
                        "LOG_LEVEL", "release", "strategy", "scaling", "min", "max"]) \
    | st.text(max_size=12)
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5)
                         | st.dictionaries(KEYS, inner, max_size=6), max_leaves=40)


@SETTINGS
@given(document=DOCUMENTS, environment=ENVIRONMENTS)
def any_yaml_document(document: Any, environment: str | None) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    check(catalog_with("api.yaml", text.encode()), environment)


def _mutate(text: str, operations: list[tuple[int, int, str]]) -> str:
    lines = text.splitlines()
    for kind, index, value in operations:
        if not lines:
            lines = [value]
            continue
        at = index % len(lines)
        if kind == 0:  # replace the value after the first colon
            key, colon, _ = lines[at].partition(":")
            lines[at] = f"{key}: {value}" if colon else value
        elif kind == 1:
            lines.insert(at, value)
        elif kind == 2:
            del lines[at]
        elif kind == 3:
            lines.insert(at, lines[at])  # a duplicate key, most of the time
        else:
            lines[at] = lines[at][: index % (len(lines[at]) + 1)]
    return "\n".join(lines) + "\n"


OPERATIONS = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10_000),
                                st.sampled_from(TRICKY + SECRET_LINES) | st.text(max_size=20)),
                      min_size=1, max_size=4)


@SETTINGS
@given(name=st.sampled_from(sorted(EXAMPLES)), operations=OPERATIONS, environment=ENVIRONMENTS)
def any_mutation_of_the_examples(name: str, operations: list[tuple[int, int, str]],
                                 environment: str | None) -> None:
    text = _mutate(EXAMPLES[name], operations)
    check(catalog_with(name, text.encode("utf-8", "surrogatepass")), environment)


@SETTINGS
@given(name=st.sampled_from(sorted(EXAMPLES)), line=st.sampled_from(SECRET_LINES),
       index=st.integers(0, 100), environment=ENVIRONMENTS)
def canary_anywhere_in_the_examples(name: str, line: str, index: int,
                                    environment: str | None) -> None:
    lines = EXAMPLES[name].splitlines()
    lines.insert(index % len(lines), line)
    check(catalog_with(name, ("\n".join(lines) + "\n").encode()), environment)


PROPERTIES = [any_bytes, any_yaml_text, any_yaml_document, any_mutation_of_the_examples,
              canary_anywhere_in_the_examples]


def selftest() -> int:
    """The check must fail on a message that prints the canary: `team` is not secret-looking,
    so its bad value is quoted back in the message."""
    lines = EXAMPLES["orders.yaml"].replace("team: checkout", f"team: {CANARY}_Team")
    try:
        check(catalog_with("orders.yaml", lines.encode()), None)
    except AssertionError as err:
        print(err)
        return 1
    return 0


def main() -> int:
    assert datetime  # dates are among the scalars
    if sys.argv[1:2] == ["--selftest"]:
        return selftest()
    for prop in PROPERTIES:
        try:
            prop()
        except Exception:  # the report is the point: print it and fail
            print(f"{prop.__name__}: {traceback.format_exc()}")
            return 1
    print(f"ok {len(seen)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
