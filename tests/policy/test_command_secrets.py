"""slipway-k8s-workload-command-secrets: credentials in container command or args."""

from __future__ import annotations

from typing import Any

import pytest

from policy_fixtures import FIELDS, KINDS, UNKNOWN, spec, workload
from rules.plaintext_secrets import check_command_secrets, check_env_secrets


def with_args(kind: str, field: str, args: list[Any], key: str = "args") -> dict[str, Any]:
    r = workload(kind)
    spec(r)[field][0][key] = args
    return r


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_password_flag_in_args_is_refused_in_every_kind_and_container(
    kind: str, field: str
) -> None:
    (message,) = check_command_secrets(with_args(kind, field, ["--db-password=hunter2"]), {})
    assert "passes a credential on its command line: --db-password=... (" in message
    assert f"{field}[0].args[0]) is a literal and its name marks a credential" in message


@pytest.mark.parametrize(
    ("args", "index", "what"),
    [(["--token", "abc123"], 1, "the value of --token"),
     (["-Dapi.key=abc"], 0, "-Dapi.key=..."),
     (["sh", "-c", "export DB_PASSWORD=hunter2 && exec app"], 2, "DB_PASSWORD=..."),
     (["sh", "-c", "mysql --password s3cr3t -h db"], 2, "password=..."),
     (["psql", "postgres://app:hunter2@db:5432/orders"], 1, "an argument"),
     (["app", "AKIAABCDEFGHIJKLMNOP"], 1, "an argument"),
     (["app", "--config", "x", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"], 3, "an argument")],
)
def test_credentials_in_command_lines_are_found(args: list[str], index: int, what: str) -> None:
    for key in ("command", "args"):
        (message,) = check_command_secrets(with_args("Deployment", "containers", args, key), {})
        assert f": {what} (spec.template.spec.containers[0].{key}[{index}])" in message


@pytest.mark.parametrize(
    "args",
    [["/app/migrate", "up"], ["--password-file=/run/secrets/db"], ["--token=$(API_TOKEN)"],
     ["sh", "-c", "export DB_PASSWORD=${DB_PASSWORD}; exec app"], ["--log-level", "debug"],
     ["echo", "waiting for the token to rotate"], ["--image=r.io/a@sha256:" + "ab" * 32]],
)
def test_references_and_ordinary_arguments_pass(args: list[str]) -> None:
    assert check_command_secrets(with_args("Deployment", "containers", args), {}) == []


def test_allowed_names_and_unknown_args() -> None:
    r = with_args("Job", "containers", ["--signing-key-id=key-7", UNKNOWN])
    out = check_command_secrets(r, {"allowedNames": ["signing-key-id"]})
    assert out == []
    assert out.unknown == ["spec.template.spec.containers[0].args[1]"]


def test_env_credentials_are_found_in_ephemeral_containers_too() -> None:
    r = workload("Pod")
    spec(r)["ephemeralContainers"][0]["env"] = [{"name": "DB_PASSWORD", "value": "hunter2"}]
    (message,) = check_env_secrets(r, {})
    assert "ephemeral container 'debug' env var DB_PASSWORD" in message
