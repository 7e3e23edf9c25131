"""The loader's general rules against careless and hostile files (issue 12, second pass):
one type per field (no silent conversion of text to numbers or booleans), quantities that read
back as typed, characters that make a file read differently from what it does, secrets in the
forms people paste them, and overrides blamed for what they break."""

from __future__ import annotations

from pathlib import Path

import pytest

from microservice_fixtures import IMAGE
from slipway.spec import SpecError, load_catalog
from slipway.spec.errors import SpecError as Error
from slipway.spec.secret_values import is_secret_key, secret_kind

BASE = f"name: api\nimage: {IMAGE}\nversion: 1.0.0\n"
PUBLIC = "exposure: {public: true, host: api.example.com"


def problems(services: Path, text: str | bytes, environment: str | None = None) -> list[str]:
    data = text if isinstance(text, bytes) else (BASE + text).encode()
    (services / "api.yaml").write_bytes(data)
    with pytest.raises(SpecError) as caught:
        load_catalog(Path("services"), environment)
    return caught.value.problems


def loads(services: Path, text: str) -> None:
    (services / "api.yaml").write_text(BASE + text)
    load_catalog(Path("services"))


# -- one type per field -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ('port: "8080"\n', 'port: must be a number, not the quoted text "8080"; write the number '
                       "without quotes"),
    ("port: 08080\n", "port: must be a number, but YAML reads 08080 as text; write it without "
                      "the leading zero"),
    ('scaling: {min: "2", max: 4}\n', 'scaling.min: must be a number, not the quoted text "2"; '
                                      "write the number without quotes"),
    ("serviceAccount: {automountToken: \"false\"}\n",
     'serviceAccount.automountToken: must be true or false, not the quoted text "false"; write '
     "true or false without quotes"),
    ("serviceAccount: {automountToken: 1}\n",
     "serviceAccount.automountToken: must be true or false, but YAML reads 1 as the number 1"),
    (PUBLIC + ", synthetic: {minSuccessRatio: .nan}}\n",
     "exposure.synthetic.minSuccessRatio: must be a finite number, but YAML reads .nan as not a "
     "number"),
])
def test_a_number_or_boolean_field_refuses_text_and_other_types(
    services: Path, text: str, expected: str
) -> None:
    assert problems(services, text) == [f"services/api.yaml: {expected}"]


@pytest.mark.parametrize(("value", "expected"), [
    ("0x10", "YAML reads 0x10 as the number 16, which would be used as '16'; write 16 if that "
             'is meant, or quote it: "0x10"'),
    ("1_000", "YAML reads 1_000 as the number 1000, which would be used as '1000'; write 1000 "
              'if that is meant, or quote it: "1_000"'),
    ("yes", 'must be text, but YAML reads yes as the boolean true; quote it: "yes"'),
])
def test_a_quantity_may_be_an_unquoted_number_only_if_it_reads_back_as_typed(
    services: Path, value: str, expected: str
) -> None:
    assert problems(services, f"resources: {{cpu: {value}}}\n") == [
        f"services/api.yaml: resources.cpu: {expected}"]


@pytest.mark.parametrize("value", ["2", "0.5", "250m", '"2"'])
def test_plain_quantities_load(services: Path, value: str) -> None:
    loads(services, f"resources: {{cpu: {value}, limits: {{cpu: 1000}}}}\n")


# -- what a reviewer cannot see -----------------------------------------------------------


@pytest.mark.parametrize(("character", "what"), [
    ("\u0085", "a line break YAML obeys but many editors and diff views do not show"),
    ("\u2028", "a line break YAML obeys but many editors and diff views do not show"),
    ("\u202e", "a character that changes the direction or visibility of text"),
    ("\u200b", "a character that changes the direction or visibility of text"),
])
def test_characters_that_make_a_file_read_differently_are_refused(
    services: Path, character: str, what: str
) -> None:
    text = f"{BASE}team: web{character}port: 9000\n".encode()
    code = f"U+{ord(character):04X}"

    assert problems(services, text) == [
        f"services/api.yaml: line 4: holds {code}, {what}, so the file would read differently "
        "from what it does; remove it"]


def test_a_utf32_file_is_named_as_such(services: Path) -> None:
    assert problems(services, BASE.encode("utf-32")) == [
        "services/api.yaml: line 1: starts with a UTF-32 byte-order mark; save the file as "
        "UTF-8 without one"]


def test_anchor_names_are_not_printed(services: Path) -> None:
    lines = problems(services, "config: {DB_HOST: &hunter2 x}\n")

    assert lines == ["services/api.yaml: line 4: an anchor (&name): anchors and aliases are not "
                     "allowed; write the value out where it is used"]


# -- secrets in the forms people paste them -----------------------------------------------


@pytest.mark.parametrize("key", ["DBPASS", "AUTHKEY", "SSHKEY", "DB_PWD", "dbPass",
                                 "ClientSecrets"])
def test_credential_words_at_the_end_of_a_word_are_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["BYPASS_CACHE", "COMPASS_URL", "MONKEY_MODE", "HOTKEY",
                                 "MAX_TOKENS"])
def test_english_words_ending_in_a_credential_word_are_not_secret_keys(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize(("value", "kind"), [
    ("Basic dXNlcjpodW50ZXIy", "an HTTP Authorization credential"),
    ("Bearer abcdef0123456789", "an HTTP Authorization credential"),
    ("https://abcdef0123456789@github.com/org/repo", "a URL with credentials in it"),
    ("default:hunter2@redis.internal:6379", "an address with a password in it"),
    ("jdbc:mysql://db/x?user=a&password=hunter2", "a password or token written as name=value"),
    ("--api-key=abc123def", "a password or token written as name=value"),
    ('{"type": "service_account", "private_key": "x"}', "a JSON key file"),
])
def test_secrets_in_pasted_forms_are_recognised(value: str, kind: str) -> None:
    assert secret_kind(value) == kind


@pytest.mark.parametrize("value", [
    f"nginx:1.27@sha256:{'a' * 64}", "mailto:ops@example.com", "git@github.com:org/repo.git",
    "Basic settings", "postgres://orders@db/orders", "https://shop.example.com/a?page=2",
    "token-bucket", "MAX_TOKENS=4096",
])
def test_ordinary_values_are_not_taken_for_secrets(value: str) -> None:
    assert secret_kind(value) is None


def test_every_message_is_scrubbed_of_pasted_credentials() -> None:
    error = Error(["x.yaml: migration.args: must be a list (got '--password=hunter2x')",
                   "x.yaml: exposure.host: bad (got 'u:hunter2x@a.example.com')"])

    assert not any("hunter2x" in line for line in error.problems)


def test_a_pasted_credential_in_a_field_of_the_wrong_type_is_never_echoed(
    services: Path,
) -> None:
    text = ("migration: {image: " + IMAGE + ", command: [/m], args: \"--password=hunter2x\"}\n")

    lines = problems(services, text)

    assert lines and not any("hunter2x" in line for line in lines)


def test_values_under_any_key_naming_a_credential_part_are_kept_out_of_messages(
    services: Path,
) -> None:
    # MYSQLPASSWORDFILE is not refused as a credential key, but its value is never printed.
    lines = problems(services, "config: {MYSQLPASSWORDFILE: [hunter2x]}\n")

    assert lines and not any("hunter2x" in line for line in lines)


# -- synthetic checks and majors ----------------------------------------------------------


@pytest.mark.parametrize("interval", ["0s", "6m", "99999999m", "30", "1h"])
def test_a_synthetic_interval_outside_1s_to_5m_is_refused(services: Path, interval: str) -> None:
    assert problems(services, PUBLIC + f", synthetic: {{interval: \"{interval}\"}}}}\n") == [
        f"services/api.yaml: exposure.synthetic.interval: must be a duration from 1s to 5m "
        f"written as seconds or minutes, e.g. 30s or 1m (got '{interval}'); the alert judges "
        "the last 10 minutes, which must hold at least two probes"]


def test_a_synthetic_interval_of_five_minutes_loads(services: Path) -> None:
    loads(services, PUBLIC + ", synthetic: {interval: 5m}}\n")


def test_a_major_version_no_caller_could_list_is_refused(services: Path) -> None:
    text = BASE.replace("1.0.0", '"100001.0.0"')

    assert problems(services, text.encode()) == [
        "services/api.yaml: version: has the major version 100001, above 100000: no caller "
        "could list it in calls[].majors"]


# -- overrides blamed for what they break ---------------------------------------------------


def test_an_override_that_breaks_a_field_it_does_not_write_is_named_with_that_field(
    services: Path,
) -> None:
    text = ('compatibility: {servesMajors: [1]}\n'
            'environments: {pr: {version: "1.5.0"}}\n')
    data = (BASE.replace("1.0.0", '"2.0.0"') + text).encode()

    assert problems(services, data) == [
        "services/api.yaml: environments.pr: this override makes compatibility.servesMajors "
        "invalid: lists 1, not older than this version's own major 1 (version 1.5.0); list only "
        "older majors this version still serves (0 to 0)"]


def test_an_override_is_named_at_the_deepest_part_it_writes(services: Path) -> None:
    text = "exposure: {public: true, host: api.example.com, synthetic: {path: /x}}\n" \
           "environments: {prod: {exposure: {public: false, host: null}}}\n"

    assert problems(services, text) == [
        "services/api.yaml: environments.prod.exposure: this override makes exposure.synthetic "
        "invalid: checks the public host, and exposure.public is false: set public: true (with "
        "a host) or drop synthetic"]


@pytest.mark.parametrize(("escape", "code", "what"), [
    ("\\0", "U+0000", "a control character"),
    ("\\e", "U+001B", "a control character"),
    ("\\u202e", "U+202E", "a character that changes how the text reads"),
])
def test_escapes_cannot_smuggle_control_or_hidden_characters_into_a_value(
    services: Path, escape: str, code: str, what: str
) -> None:
    assert problems(services, f'config: {{MODE: "safe{escape}"}}\n') == [
        f"services/api.yaml: line 4: a value holds {code}, {what} (written as an escape?); "
        "write plain text"]


def test_tabs_and_line_feeds_in_a_value_are_plain_text(services: Path) -> None:
    loads(services, 'config: {BANNER: "a\\tb\\nc"}\n')
