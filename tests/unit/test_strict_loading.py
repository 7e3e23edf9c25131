"""The strict reading of service files and the checks that come with it, where the bad_specs
corpus cannot go: files too large to keep in the repo, pipes, symlinks inside the catalog, and
what must still load (justified exceptions, values YAML reads back exactly)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from microservice_fixtures import IMAGE, spec
from slipway.release_state import ReleaseRef
from slipway.spec import SpecError, load_catalog
from slipway.spec.catalog import MAX_CATALOG_BYTES, MAX_FILES
from slipway.spec.errors import redact
from slipway.spec.secret_values import is_secret_key, secret_kind
from slipway.spec.strict_yaml import MAX_FILE_BYTES

BASE = f"name: api\nimage: {IMAGE}\nversion: 1.0.0\n"


def problems(environment: str | None = None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_catalog(Path("services"), environment)
    return caught.value.problems


def test_refuses_a_file_over_the_size_limit_without_reading_it_all(services: Path) -> None:
    (services / "api.yaml").write_text(BASE + "#" * (MAX_FILE_BYTES + 10) + "\n")

    assert problems() == [f"services/api.yaml: is over the {MAX_FILE_BYTES} byte limit for one "
                          "service file"]


def test_refuses_a_catalog_over_the_size_limit(services: Path) -> None:
    count = MAX_CATALOG_BYTES // (MAX_FILE_BYTES // 2) + 1
    for index in range(count):
        (services / f"s{index}.yaml").write_text("#" * (MAX_FILE_BYTES // 2))

    # Every line names a file: the one (in name order) that takes the catalog over the limit.
    last = sorted(f"s{index}.yaml" for index in range(count))[-1]
    assert problems() == [f"services/{last}: brings the service files to more than "
                          f"{MAX_CATALOG_BYTES} bytes, the limit for a catalog; split the "
                          "catalog or shrink the files"]


def test_refuses_a_catalog_of_too_many_entries_naming_the_first_past_the_limit(
    services: Path,
) -> None:
    for index in range(MAX_FILES + 2):
        (services / f"s{index:04d}.yaml").write_text("x: 1\n")

    assert problems() == [f"services/s{MAX_FILES:04d}.yaml: is entry {MAX_FILES + 1} of "
                          f"{MAX_FILES + 2} in the catalog, over the limit of {MAX_FILES} "
                          "entries; split the catalog or remove files"]


def test_refuses_a_named_pipe_instead_of_hanging_on_it(services: Path) -> None:
    os.mkfifo(services / "api.yaml")
    start = time.monotonic()

    assert problems() == ["services/api.yaml: is not a regular file (a directory, device or "
                          "pipe); a service file is plain text"]
    assert time.monotonic() - start < 5


def test_loads_a_symlink_to_a_file_inside_the_catalog(services: Path) -> None:
    (services / "shared").mkdir()
    (services / "shared" / "api.txt").write_text(BASE)
    os.symlink("shared/api.txt", services / "api.yaml")
    (services / "shared").rename(services / "shared")  # stays a directory the loader refuses

    assert problems() == ["services/shared: is not a service file (those end in .yaml or .yml; "
                          "only README.md, schema.json may sit beside them), so it is not read; "
                          "move it out of the catalog or rename it"]


def test_refuses_a_broken_symlink(services: Path) -> None:
    os.symlink("missing.yaml", services / "api.yaml")

    assert problems() == ["services/api.yaml: is a broken symlink (or a symlink loop)"]


def test_alias_bomb_is_refused_at_once(services: Path) -> None:
    levels = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
                     for i in range(1, 12))
    (services / "api.yaml").write_text("l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + levels)
    start = time.monotonic()

    assert problems() == ["services/api.yaml: line 1: an anchor (&name): anchors and aliases "
                          "are not allowed; write the value out where it is used"]
    assert time.monotonic() - start < 2


def test_a_hundred_thousand_nested_lists_end_in_a_refusal_not_a_recursion_error(
    services: Path,
) -> None:
    (services / "api.yaml").write_text(BASE + "config: " + "[" * 50_000 + "]" * 50_000 + "\n")

    assert problems() == ["services/api.yaml: line 4: nested more than 24 levels deep; a service "
                          "file never needs that"]


@pytest.mark.parametrize("value", ["8080", "true", "false", "3.5", "-2", "0", "info"])
def test_loads_config_values_yaml_reads_back_exactly_as_typed(services: Path, value: str) -> None:
    (services / "api.yaml").write_text(BASE + f"config: {{SETTING: {value}}}\n")

    assert load_catalog(Path("services"))["api"].config["SETTING"] is not None


def test_loads_quoted_forms_of_what_yaml_would_retype(services: Path) -> None:
    (services / "api.yaml").write_text(
        'name: api\nimage: ' + IMAGE + '\nversion: "1.10.0"\ncommit: "0123456"\n'
        'config: {COUNTRY: "NO", UMASK: "0022", PY: "3.10", DAY: "2024-05-01"}\n')

    config = load_catalog(Path("services"))["api"].config
    assert config == {"COUNTRY": "NO", "UMASK": "0022", "PY": "3.10", "DAY": "2024-05-01"}


def _with(**fields: Any) -> Any:
    return spec(**fields)


def test_egress_to_everything_loads_with_a_justification() -> None:
    service = _with(egress=[{"cidr": "0.0.0.0/0", "ports": [443],
                             "justification": "calls merchant webhooks at any address"}])
    assert service.egress[0].justification == "calls merchant webhooks at any address"


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32",
                                  "169.254.0.0/24"])
def test_egress_to_ordinary_networks_needs_no_justification(cidr: str) -> None:
    assert _with(egress=[{"cidr": cidr}]).egress[0].cidr == cidr


def test_privilege_escalation_loads_with_a_justification() -> None:
    permission = {"actions": ["iam:PassRole"],
                  "resources": ["arn:aws:iam::123456789012:role/batch-worker"],
                  "justification": "starts AWS Batch jobs that run as batch-worker"}
    assert _with(aws={"permissions": [permission]}).aws.permissions[0].actions == ["iam:PassRole"]


@pytest.mark.parametrize("arn", [
    "arn:aws:s3:::shop-orders-invoices/*",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-*",
    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/orders:*",
    "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/*",
    "arn:aws:sqs:eu-west-1:123456789012:orders-*",
])
def test_resource_arns_with_a_named_resource_before_the_wildcard_load(arn: str) -> None:
    permission = {"actions": ["s3:GetObject"], "resources": [arn]}
    assert _with(aws={"permissions": [permission]}).aws.permissions[0].resources == [arn]


def test_config_over_a_config_map_is_refused() -> None:
    with pytest.raises(Exception, match="over Kubernetes' limit of 1048576"):
        _with(config={f"K{i}": "x" * 100_000 for i in range(11)})


@pytest.mark.parametrize("key", ["DB_PASSWORD", "DB_PASS", "apiKey", "client-secret",
                                 "SLACK_BOTTOKEN", "SIGNING_KEY", "AWS_CREDS", "passwd"])
def test_secret_looking_key_names_in_any_form(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["MAX_TOKENS", "TOKENIZER_MODEL", "KEYCLOAK_URL", "SECRETARY",
                                 "PASSWORDLESS_LOGIN", "LOG_LEVEL", "MONKEY_MODE"])
def test_words_that_only_contain_a_secret_word_are_not_secret_keys(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize("value", ["https://shop.example.com/x", "info", "ghp_short",
                                   "postgres://orders@db/orders", "sk-is-a-prefix"])
def test_ordinary_values_do_not_look_like_secrets(value: str) -> None:
    assert secret_kind(value) is None


def test_redaction_replaces_short_values_only_where_quoted() -> None:
    lines = ["f.yaml: line 12: x (got 'ab')", "f.yaml: config.AB: x (got 'hunter22')"]

    assert redact(lines, {"ab", "hunter22"}) == [
        "f.yaml: line 12: x (got <redacted>)", "f.yaml: config.AB: x (got '<redacted>')"]


def test_every_message_is_scrubbed_of_tokens_even_without_the_document() -> None:
    error = SpecError(["x.yaml: f: bad (got 'ghp_abcdefgh12345678')",
                       "x.yaml: g: bad\nsecond line"])

    assert error.problems == ["x.yaml: f: bad (got '<redacted>')", "x.yaml: g: bad second line"]


def test_release_state_versions_are_held_to_the_label_rules_too() -> None:
    with pytest.raises(ValidationError, match="'\\+' is not allowed in Kubernetes label values"):
        ReleaseRef(version="1.9.0+build.3", image=IMAGE)


def test_a_file_with_thousands_of_problems_lists_fifty_and_counts_the_rest(
    services: Path,
) -> None:
    names = ", ".join(f"bad-{index}" for index in range(3000))
    (services / "api.yaml").write_text(BASE + f"secrets: [{names}]\n")
    start = time.monotonic()

    found = problems()

    assert len(found) == 51
    assert found[-1] == ("services/api.yaml: ... and 2950 more problems in this file, not "
                         "listed; fix these first")
    assert time.monotonic() - start < 5


def test_calls_to_thousands_of_unknown_services_are_summed_up(services: Path) -> None:
    calls = ", ".join(f"ghost-{index}" for index in range(3000))
    (services / "api.yaml").write_text(BASE + f"calls: [{calls}]\n")

    found = problems()

    assert len(found) == 50
    assert found[-1] == ("services/api.yaml: calls: 2951 names after calls[48] are not services "
                         "in the catalog either")
