"""The service spec model and file loader: defaults, shorthands, overrides, quantities, rules.

Bad values that a whole catalog shows best live in tests/bad_specs (see test_bad_specs.py);
this file covers defaults, the happy path of every rule, and the sad paths the corpus leaves out.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from slipway.spec import ServiceSpec, SpecError, load_file, quantity, validate
from slipway.spec.disruption import Disruption
from slipway.spec.errors import field_path
from slipway.spec.loader import merge, read_document
from slipway.spec.probes import Probe

DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = f"registry.example.com/shop/api@{DIGEST}"
SOURCE = "services/api.yaml"


def document(**fields: Any) -> dict[str, Any]:
    """A minimal valid service document (camelCase, as in YAML) plus `fields`."""
    return {"name": "api", "image": IMAGE, "version": "1.0.0", **fields}


def spec(environment: str | None = None, **fields: Any) -> ServiceSpec:
    return validate(document(**fields), SOURCE, expected_name="api", environment=environment)


def exact(*lines: str) -> str:
    """A `match=` pattern for exactly these problem lines, nothing more."""
    return "^" + re.escape("\n".join(lines)) + "$"


def from_yaml(text: str, environment: str | None = None) -> ServiceSpec:
    """Validate YAML text as a service file reads it (so `cpu: 2` arrives as a number)."""
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return validate(loaded, SOURCE, expected_name="api", environment=environment)


BASE_YAML = f"name: api\nimage: {IMAGE}\nversion: 1.0.0\n"
OVERRIDE_FIELDS = (
    "image, signature, version, port, resources, probes, scaling, disruption, release, slo, "
    "exposure, mesh, config, flags, egress, aws, terminationGracePeriodSeconds"
)


# --- defaults ---------------------------------------------------------------------------------


def test_requires_only_name_image_and_version() -> None:
    with pytest.raises(SpecError) as caught:
        validate({}, SOURCE)
    assert caught.value.problems == [
        f"{SOURCE}: name: is required",
        f"{SOURCE}: image: is required",
        f"{SOURCE}: version: is required",
    ]


def test_defaults_port_to_unprivileged_8080() -> None:
    assert spec().port == 8080


def test_defaults_resources_to_small_requests_and_no_limits() -> None:
    resources = spec().resources
    assert (resources.cpu, resources.memory) == ("100m", "128Mi")
    assert resources.limits.cpu is None
    assert resources.limits.memory is None


def test_defaults_memory_limit_to_the_memory_request() -> None:
    assert spec(resources={"memory": "300Mi"}).resources.memory_limit == "300Mi"


def test_memory_limit_is_the_limit_when_set() -> None:
    resources = spec(resources={"memory": "300Mi", "limits": {"memory": "1Gi"}}).resources
    assert resources.memory_limit == "1Gi"


def test_defaults_probes_to_tcp_on_service_port() -> None:
    probes = spec().probes
    for probe in (probes.readiness, probes.liveness, probes.startup):
        assert probe.path is None
        assert probe.port is None


def test_defaults_probe_timing_per_role() -> None:
    probes = spec().probes
    assert (probes.readiness.period_seconds, probes.readiness.failure_threshold) == (10, 3)
    assert (probes.liveness.period_seconds, probes.liveness.failure_threshold) == (20, 3)
    assert (probes.startup.period_seconds, probes.startup.failure_threshold) == (5, 60)
    for probe in (probes.readiness, probes.liveness, probes.startup):
        assert probe.timeout_seconds == 2
        assert probe.initial_delay_seconds == 0


def test_defaults_scaling_to_two_to_four_replicas_on_cpu() -> None:
    scaling = spec().scaling
    assert (scaling.min, scaling.max, scaling.cpu, scaling.memory) == (2, 4, 70, None)
    assert scaling.metrics == []
    assert scaling.autoscaled


def test_defaults_disruption_to_unset_and_wants_pdb_for_two_replicas() -> None:
    service = spec()
    assert service.disruption.max_unavailable is None
    assert service.disruption.min_available is None
    assert service.wants_pdb


def test_fixed_single_replica_wants_no_pdb() -> None:
    assert not spec(scaling={"min": 1, "max": 1}).wants_pdb


def test_autoscaled_single_replica_wants_a_pdb() -> None:
    # The autoscaler may add pods: a drain should still take them one at a time.
    assert spec(scaling={"min": 1, "max": 3}).wants_pdb


@pytest.mark.parametrize(("value", "shown"), [(1, "1"), ("50%", "'50%'")])
def test_autoscaled_single_replica_refuses_min_available(value: object, shown: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: disruption.minAvailable: {shown} keeps the only pod at scaling.min 1, so no "
        "pod could be evicted; use maxUnavailable (default 1) or raise scaling.min"
    )):
        spec(scaling={"min": 1, "max": 3}, disruption={"minAvailable": value})


def test_defaults_release_to_rolling_with_environment_surge() -> None:
    release = spec().release
    assert release.strategy == "rolling"
    assert release.max_surge is None
    assert release.max_unavailable is None


def test_defaults_exposure_to_private_at_root() -> None:
    exposure = spec().exposure
    assert exposure.public is False
    assert exposure.host is None
    assert exposure.path == "/"


def test_defaults_collections_to_empty_and_optionals_to_none() -> None:
    service = spec()
    assert service.calls == []
    assert service.egress == []
    assert service.config == {}
    assert service.secrets == []
    assert service.environments == {}
    assert service.migration is None
    assert service.commit is None
    assert service.team is None


def test_defaults_service_account_token_to_not_mounted() -> None:
    assert spec().service_account.automount_token is False


def test_defaults_shutdown_to_thirty_seconds_grace_with_five_seconds_pre_stop() -> None:
    service = spec()
    assert service.termination_grace_period_seconds == 30
    assert service.pre_stop_seconds == 5


def test_defaults_egress_ports_to_https() -> None:
    assert spec(egress=[{"cidr": "203.0.113.0/24"}]).egress[0].ports == [443]


def test_defaults_migration_timeout_backoff_and_args() -> None:
    migration = spec(migration={"image": IMAGE, "command": ["/migrate"]}).migration
    assert migration is not None
    assert migration.args == []
    assert migration.timeout_seconds == 600
    assert migration.backoff_limit == 1


def test_defaults_metric_selector_to_empty() -> None:
    scaling = spec(scaling={"metrics": [{"type": "pods", "name": "rps", "target": "50"}]}).scaling
    assert scaling.metrics[0].selector == {}


# --- probes -----------------------------------------------------------------------------------


def test_probe_string_is_an_http_path_keeping_role_defaults() -> None:
    probes = spec(probes={"readiness": "/ready", "liveness": "/live", "startup": "/started"}).probes
    assert (probes.readiness.path, probes.readiness.period_seconds) == ("/ready", 10)
    assert (probes.liveness.path, probes.liveness.period_seconds) == ("/live", 20)
    assert probes.startup.path == "/started"
    assert (probes.startup.period_seconds, probes.startup.failure_threshold) == (5, 60)


def test_probe_alone_reads_a_string_as_its_path() -> None:
    probe = Probe.model_validate("/healthz")
    assert (probe.path, probe.period_seconds, probe.failure_threshold) == ("/healthz", 10, 3)


def test_probe_mapping_keeps_role_defaults_for_what_it_leaves_out() -> None:
    startup = spec(probes={"startup": {"path": "/started", "failureThreshold": 20}}).probes.startup
    assert (startup.path, startup.failure_threshold, startup.period_seconds) == (
        "/started", 20, 5,
    )


def test_probe_mapping_can_override_role_timing() -> None:
    liveness = spec(probes={"liveness": {"path": "/live", "periodSeconds": 7}}).probes.liveness
    assert liveness.period_seconds == 7


def test_probes_left_out_stay_tcp_when_others_are_given() -> None:
    probes = spec(probes={"readiness": "/ready"}).probes
    assert probes.liveness.path is None
    assert probes.liveness.period_seconds == 20
    assert probes.startup.path is None


def test_probe_can_check_another_port() -> None:
    assert spec(probes={"readiness": {"path": "/r", "port": 9091}}).probes.readiness.port == 9091


def test_fails_when_probe_period_is_zero() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: probes.readiness.periodSeconds: input should be greater than or equal to 1 "
        "(got 0)"
    )):
        spec(probes={"readiness": {"path": "/r", "periodSeconds": 0}})


# --- environment overrides --------------------------------------------------------------------


def test_override_merges_mappings_key_by_key() -> None:
    scaling = spec(
        "prod",
        scaling={"min": 2, "max": 10, "cpu": 60},
        environments={"prod": {"scaling": {"min": 4}}},
    ).scaling
    assert (scaling.min, scaling.max, scaling.cpu) == (4, 10, 60)


def test_override_merges_config_keeping_other_keys() -> None:
    config = spec(
        "prod",
        config={"LOG_LEVEL": "info", "REGION": "eu"},
        environments={"prod": {"config": {"LOG_LEVEL": "warn"}}},
    ).config
    assert config == {"LOG_LEVEL": "warn", "REGION": "eu"}


def test_override_replaces_lists() -> None:
    egress = spec(
        "prod",
        egress=[{"cidr": "10.0.0.0/24", "ports": [5432]}, {"cidr": "10.0.1.0/24"}],
        environments={"prod": {"egress": [{"cidr": "10.9.0.0/24"}]}},
    ).egress
    assert [(e.cidr, e.ports) for e in egress] == [("10.9.0.0/24", [443])]


def test_override_replaces_scalars() -> None:
    service = spec("dev", port=8080, environments={"dev": {"port": 9000, "version": "1.0.1"}})
    assert (service.port, service.version) == (9000, "1.0.1")


@pytest.mark.parametrize("environment", ["pr-7", "pr-123"])
def test_preview_stacks_use_the_pr_key(environment: str) -> None:
    service = spec(
        environment,
        scaling={"min": 2, "max": 4},
        environments={"pr": {"scaling": {"min": 1, "max": 1}}, "dev": {"port": 9000}},
    )
    assert (service.scaling.min, service.scaling.max) == (1, 1)
    assert service.port == 8080


@pytest.mark.parametrize("environment", [None, "dev", "pr-7"])
def test_override_leaves_other_environments_untouched(environment: str | None) -> None:
    service = spec(environment, scaling={"min": 2, "max": 6},
                   environments={"prod": {"scaling": {"min": 6}}})
    assert service.scaling.min == 2


def test_base_keeps_its_overrides_when_no_environment_is_asked() -> None:
    service = spec(environments={"prod": {"scaling": {"min": 3}}})
    assert set(service.environments) == {"prod"}
    assert service.environments["prod"].scaling == {"min": 3}


def test_override_reports_cross_field_rule_under_environment() -> None:
    # The override writes scaling, not disruption: the line names the override and the field
    # it broke, never a field of the override that does not exist.
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: environments.prod: this override makes disruption.minAvailable invalid: "
        "must be below scaling.min (got 2 >= 2); otherwise no pod can ever be evicted"
    )):
        spec("prod", scaling={"min": 3, "max": 6}, disruption={"minAvailable": 2},
             environments={"prod": {"scaling": {"min": 2}}})


def test_fails_when_environment_key_is_a_stack_name() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: environments.pr-7: input should be 'dev', 'prod' or 'pr' (got 'pr-7')"
    )):
        spec(environments={"pr-7": {"port": 9000}})


def test_fails_when_override_sets_a_field_of_the_wrong_type() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: environments.prod.port: must be a number, but YAML reads high as text"
    )):
        spec(environments={"prod": {"port": "high"}})


def test_merge_does_not_change_its_inputs() -> None:
    base: dict[str, Any] = {"scaling": {"min": 2, "max": 4}, "calls": ["a"]}
    override: dict[str, Any] = {"scaling": {"min": 3}, "calls": ["b"]}

    merged = merge(base, override)

    assert merged == {"scaling": {"min": 3, "max": 4}, "calls": ["b"]}
    assert base == {"scaling": {"min": 2, "max": 4}, "calls": ["a"]}
    merged["calls"].append("c")
    assert override["calls"] == ["b"]


def test_merge_replaces_a_mapping_with_a_scalar_and_back() -> None:
    assert merge({"a": {"b": 1}}, {"a": 2}) == {"a": 2}
    assert merge({"a": 2}, {"a": {"b": 1}}) == {"a": {"b": 1}}


# --- quantities -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cores"),
    [("250m", Decimal("0.25")), ("0.5", Decimal("0.5")), ("2", Decimal(2)),
     ("1500m", Decimal("1.5")), (" 100m ", Decimal("0.1"))],
)
def test_parses_cpu_quantities_to_cores(text: str, cores: Decimal) -> None:
    assert quantity.cpu(text) == cores


@pytest.mark.parametrize(
    ("text", "size"),
    [("128Mi", 128 * 2**20), ("1Gi", 2**30), ("1.5Gi", 3 * 2**29), ("500M", 500 * 10**6),
     ("1G", 10**9), ("1Mi", 2**20), ("2048Ki", 2 * 2**20)],
)
def test_parses_memory_quantities_to_bytes(text: str, size: int) -> None:
    assert quantity.memory(text) == size


def test_decimal_and_binary_suffixes_differ() -> None:
    assert quantity.memory("1Gi") > quantity.memory("1G")


def test_fails_on_unknown_suffix_listing_valid_forms() -> None:
    with pytest.raises(ValueError, match=exact(
        "must be a memory quantity such as 128Mi, 1Gi or 500M; unknown suffix 'GB' (got '1GB')"
    )):
        quantity.memory("1GB")


@pytest.mark.parametrize("text", ["", "-1", "1.", ".5", "1 Gi", "one"])
def test_fails_on_text_that_is_not_a_quantity(text: str) -> None:
    with pytest.raises(ValueError, match=exact(
        f"must be a CPU quantity such as 250m, 0.5 or 2 (got {text!r})"
    )):
        quantity.cpu(text)


def test_fails_on_zero_cpu() -> None:
    with pytest.raises(ValueError, match=exact(
        "must be a CPU quantity such as 250m, 0.5 or 2 above zero (got '0m')"
    )):
        quantity.cpu("0m")


def test_fails_on_memory_below_one_mebibyte() -> None:
    with pytest.raises(ValueError, match=exact(
        "must be a memory quantity such as 128Mi, 1Gi or 500M of at least 1Mi (got '1023Ki')"
    )):
        quantity.memory("1023Ki")


def test_parse_quantity_names_the_help_text_given() -> None:
    with pytest.raises(ValueError, match=exact("must be a thing like 5 (got 'x')")):
        quantity.parse_quantity("x", "a thing like 5")
    assert quantity.parse_quantity("5k", "a thing like 5") == 5000


# --- camelCase aliases ------------------------------------------------------------------------


def test_reads_camel_case_fields() -> None:
    service = spec(
        terminationGracePeriodSeconds=60,
        preStopSeconds=10,
        serviceAccount={"automountToken": True},
        probes={"readiness": {"path": "/r", "initialDelaySeconds": 3, "timeoutSeconds": 4}},
        disruption={"maxUnavailable": "25%"},
        release={"maxSurge": "50%", "maxUnavailable": 0},
        migration={"image": IMAGE, "command": ["/m"], "timeoutSeconds": 60, "backoffLimit": 0},
    )
    assert service.termination_grace_period_seconds == 60
    assert service.pre_stop_seconds == 10
    assert service.service_account.automount_token is True
    assert service.probes.readiness.initial_delay_seconds == 3
    assert service.probes.readiness.timeout_seconds == 4
    assert service.disruption.max_unavailable == "25%"
    assert (service.release.max_surge, service.release.max_unavailable) == ("50%", 0)
    assert service.migration is not None
    assert (service.migration.timeout_seconds, service.migration.backoff_limit) == (60, 0)


def test_python_field_names_are_accepted_too() -> None:
    service = ServiceSpec.model_validate(document(termination_grace_period_seconds=45))
    assert service.termination_grace_period_seconds == 45


def test_dumps_camel_case_by_alias() -> None:
    dumped = spec().model_dump(by_alias=True)
    assert {"terminationGracePeriodSeconds", "preStopSeconds", "serviceAccount"} <= set(dumped)
    assert "automountToken" in dumped["serviceAccount"]
    assert "termination_grace_period_seconds" not in dumped


def test_unknown_field_suggests_the_camel_case_name() -> None:
    with pytest.raises(SpecError, match=re.escape(
        f"{SOURCE}: preStop: unknown field (did you mean 'preStopSeconds'?); valid fields: name,"
    )):
        spec(preStop=5)


def test_spec_is_frozen() -> None:
    service = spec()
    with pytest.raises(ValidationError, match="frozen"):
        service.port = 9000  # type: ignore[misc]


# --- rules: happy paths and the sad paths the corpus leaves out -------------------------------


@pytest.mark.parametrize(
    "image",
    [
        IMAGE,
        f"registry.example.com:5000/shop/api@{DIGEST}",
        f"registry.example.com/shop/api:1.2.3@{DIGEST}",
        f"ghcr.io/acme/api-server_v2@{DIGEST}",
    ],
)
def test_accepts_images_pinned_by_digest(image: str) -> None:
    assert spec(image=image).image == image


@pytest.mark.parametrize("version", ["0.1.0", "1.8.3", "10.20.30", "1.2.3-rc.1",
                                     "1.2.3-beta.2.sha.9b1d0c6"])
def test_accepts_semantic_versions(version: str) -> None:
    assert spec(version=version).version == version


@pytest.mark.parametrize("version", ["1.2.3+build.5", "1.2.3-beta.2+sha.9b1d0c6"])
def test_fails_on_build_metadata_a_version_label_cannot_hold(version: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: version: cannot be the app.kubernetes.io/version label: '+' is not allowed "
        "in Kubernetes label values (letters, digits, '-', '_' and '.', starting and ending "
        "with a letter or digit)"
    )):
        spec(version=version)


def test_fails_on_a_version_longer_than_a_label_value() -> None:
    version = "1.2.3-" + "a" * 60
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: version: is 66 characters; as the app.kubernetes.io/version label it must "
        "be at most 63 (Kubernetes' limit on label values)"
    )):
        spec(version=version)


@pytest.mark.parametrize("version", ["01.2.3", "1.2.3.4", "1.2.x"])
def test_fails_on_versions_that_are_not_semver(version: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f'{SOURCE}: version: must be a semantic version such as 1.2.3 (quote it in YAML, e.g. '
        f'"1.2.0") (got {version!r})'
    )):
        spec(version=version)


@pytest.mark.parametrize("name", ["a", "orders", "order-history-2", "a" * 40])
def test_accepts_dns_label_names(name: str) -> None:
    service = validate(document(name=name), f"services/{name}.yaml", expected_name=name)
    assert service.name == name


@pytest.mark.parametrize("name", ["orders-", "-orders", "or.ders", ""])
def test_fails_on_names_that_are_not_dns_labels(name: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: name: must be lowercase letters, digits and '-', starting with a letter and "
        f"not ending in '-' (got {name!r})"
    )):
        validate(document(name=name), SOURCE)


def test_skips_file_name_check_without_an_expected_name() -> None:
    assert validate(document(name="other"), SOURCE).name == "other"


def test_accepts_commit_and_team() -> None:
    service = spec(commit="9b1d0c6", team="checkout")
    assert (service.commit, service.team) == ("9b1d0c6", "checkout")


def test_fails_on_short_commit() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: commit: must be a git commit: 7 to 40 lowercase hex characters "
        "(got 'abc12')"
    )):
        spec(commit="abc12")


def test_fails_on_team_that_is_not_a_dns_label() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: team: must be lowercase letters, digits and '-', starting with a letter and "
        "not ending in '-' (got 'Checkout')"
    )):
        spec(team="Checkout")


@pytest.mark.parametrize("port", [1024, 65535])
def test_accepts_unprivileged_port_bounds(port: int) -> None:
    assert spec(port=port).port == port


def test_accepts_limits_equal_to_requests() -> None:
    resources = spec(resources={"cpu": "1", "memory": "1Gi",
                                "limits": {"cpu": "1000m", "memory": "1024Mi"}}).resources
    assert resources.limits.cpu == "1000m"


def test_fails_on_limit_cpu_that_is_not_a_quantity() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: resources.limits.cpu: must be a CPU quantity such as 250m, 0.5 or 2 "
        "(got 'lots')"
    )):
        spec(resources={"limits": {"cpu": "lots"}})


def test_fixed_replicas_need_nothing_to_scale_on() -> None:
    scaling = spec(scaling={"min": 3, "max": 3, "cpu": None}).scaling
    assert not scaling.autoscaled


@pytest.mark.parametrize(
    "scaling",
    [
        {"min": 2, "max": 6, "cpu": None, "memory": 80},
        {"min": 2, "max": 6, "cpu": None,
         "metrics": [{"type": "external", "name": "queue", "target": "30",
                      "selector": {"queue": "jobs"}}]},
        {"min": 2, "max": 6, "cpu": None,
         "metrics": [{"type": "pods", "name": "rps", "target": "500m"}]},
    ],
)
def test_autoscales_on_memory_or_metrics_alone(scaling: dict[str, Any]) -> None:
    assert spec(scaling=scaling).scaling.autoscaled


@pytest.mark.parametrize(
    ("scaling", "line"),
    [
        ({"cpu": 0}, "scaling.cpu: input should be greater than or equal to 1 (got 0)"),
        ({"memory": 101}, "scaling.memory: input should be less than or equal to 100 (got 101)"),
        ({"max": 1001}, "scaling.max: input should be less than or equal to 1000 (got 1001)"),
    ],
)
def test_fails_on_scaling_out_of_range(scaling: dict[str, Any], line: str) -> None:
    with pytest.raises(SpecError, match=exact(f"{SOURCE}: {line}")):
        spec(scaling=scaling)


def test_fails_on_metric_without_a_name() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: scaling.metrics[0].name: string should have at least 1 character (got '')"
    )):
        spec(scaling={"metrics": [{"type": "pods", "name": "", "target": "1"}]})


def test_fails_on_metric_target_that_is_not_a_quantity() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: scaling.metrics[0].target: must be a quantity such as 100 or 500m "
        "(got 'many')"
    )):
        spec(scaling={"metrics": [{"type": "pods", "name": "rps", "target": "many"}]})


@pytest.mark.parametrize(
    "disruption",
    [
        {"maxUnavailable": 1},
        {"maxUnavailable": 2},
        {"maxUnavailable": "25%"},
        {"minAvailable": 2},
        {"minAvailable": "50%"},
        {"minAvailable": "66%"},
    ],
)
def test_accepts_disruption_that_leaves_room_to_evict(disruption: dict[str, Any]) -> None:
    service = spec(scaling={"min": 3, "max": 6}, disruption=disruption)
    assert service.wants_pdb


def test_pod_count_given_as_digits_is_read_as_a_number() -> None:
    assert spec(scaling={"min": 3, "max": 6}, disruption={"maxUnavailable": "2"}).disruption == (
        Disruption(max_unavailable=2)
    )


@pytest.mark.parametrize(("value", "shown"), [(-1, "-1"), (1.5, "1.5"), ("25 %", "'25 %'")])
def test_fails_on_pod_count_that_is_neither_whole_nor_percent(value: object, shown: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: disruption.minAvailable: must be a whole number >= 0 or a percentage from 0% "
        f"to 100% such as 25% (got {shown})"
    )):
        spec(scaling={"min": 3, "max": 6}, disruption={"minAvailable": value})


def test_fails_on_pod_count_given_as_a_boolean() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: release.maxSurge: must be a whole number >= 0 or a percentage from 0% to 100% "
        "such as 25% (got True)"
    )):
        spec(release={"maxSurge": True})


def test_percent_min_available_is_rounded_up_against_scaling_min() -> None:
    # 75% of 4 is exactly 3: one pod may go. 76% rounds up to 4: none may.
    assert spec(scaling={"min": 4, "max": 4}, disruption={"minAvailable": "75%"})
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: disruption.minAvailable: 76% of scaling.min (4) keeps all 4 pods; lower it "
        "so at least one pod can be evicted"
    )):
        spec(scaling={"min": 4, "max": 4}, disruption={"minAvailable": "76%"})


@pytest.mark.parametrize(
    "disruption",
    [{"minAvailable": 1}, {"minAvailable": "50%"}, {"maxUnavailable": 1},
     {"maxUnavailable": "100%"}],
)
def test_single_replica_skips_the_room_to_evict_check(disruption: dict[str, Any]) -> None:
    service = spec(scaling={"min": 1, "max": 1}, disruption=disruption)
    assert not service.wants_pdb


def test_accepts_release_with_one_of_surge_and_unavailable_zero() -> None:
    release = spec(release={"maxSurge": 0, "maxUnavailable": "25%"}).release
    assert (release.max_surge, release.max_unavailable) == (0, "25%")
    release = spec(release={"maxSurge": 1, "maxUnavailable": 0}).release
    assert (release.max_surge, release.max_unavailable) == (1, 0)


def test_fails_when_release_surge_and_unavailable_are_zero_percent() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: release.maxUnavailable: maxSurge and maxUnavailable cannot both be 0: the "
        "rollout could never progress"
    )):
        spec(release={"maxSurge": "0%", "maxUnavailable": 0})


def test_accepts_public_exposure_with_host_and_path() -> None:
    exposure = spec(exposure={"public": True, "host": "shop.example.com",
                              "path": "/api/v1_orders"}).exposure
    assert (exposure.public, exposure.host, exposure.path) == (
        True, "shop.example.com", "/api/v1_orders",
    )


def test_fails_on_host_with_upper_case() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: exposure.host: must be a host name such as shop.example.com, without scheme, "
        "port or path (got 'Shop.example.com')"
    )):
        spec(exposure={"public": True, "host": "Shop.example.com"})


@pytest.mark.parametrize("cidr", ["203.0.113.0/24", "10.0.0.0/8", "10.1.2.3/32", "2001:db8::/32"])
def test_accepts_egress_networks(cidr: str) -> None:
    assert spec(egress=[{"cidr": cidr, "ports": [1, 65535]}]).egress[0].cidr == cidr


def test_fails_on_egress_without_cidr() -> None:
    with pytest.raises(SpecError, match=exact(f"{SOURCE}: egress[0].cidr: is required")):
        spec(egress=[{"ports": [443]}])


def test_accepts_config_values_of_plain_types() -> None:
    config = spec(config={"LOG_LEVEL": "info", "WORKERS": 4, "RATIO": 0.5, "DEBUG": False}).config
    assert config == {"LOG_LEVEL": "info", "WORKERS": 4, "RATIO": 0.5, "DEBUG": False}


@pytest.mark.parametrize(
    "key",
    ["DB_PASSWORD", "LDAP_PASSWD", "CLIENT_SECRET", "GITHUB_TOKEN", "STRIPE_APIKEY",
     "STRIPE_API_KEY", "TLS_PRIVATE_KEY", "GCP_CREDENTIALS", "PASSWORD", "API_KEY",
     "SECRET_KEY_BASE", "AWS_CREDENTIAL", "DB_PASSWORD_FILE"],
)
def test_fails_on_config_keys_that_look_like_credentials(key: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: config: key {key!r} looks like a credential: list it under secrets instead, "
        "so its value never lands in a ConfigMap"
    )):
        spec(config={key: "x"})


@pytest.mark.parametrize(
    "key",
    ["MAX_TOKENS", "TOKENIZER_MODEL", "SECRETARY_EMAIL", "PASSWORDLESS_LOGIN", "KEYCLOAK_URL",
     "CREDENTIALING_URL", "APIKEYS_DOCS_URL"],
)
def test_accepts_config_keys_where_a_credential_word_is_part_of_another_word(key: str) -> None:
    assert spec(config={key: "1"}).config == {key: "1"}


def test_fails_on_lower_case_config_key() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: config: key 'log_level' must be an environment variable name (A-Z, 0-9, _)"
    )):
        spec(config={"log_level": "info"})


def test_accepts_secret_names_distinct_from_config() -> None:
    service = spec(config={"DB_HOST": "db"}, secrets=["DB_PASSWORD", "_INTERNAL_KEY"])
    assert service.secrets == ["DB_PASSWORD", "_INTERNAL_KEY"]


def test_accepts_calls_to_other_services() -> None:
    assert spec(calls=["payments", "inventory"]).calls == ["payments", "inventory"]


def test_fails_on_call_that_is_not_a_service_name() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: calls[1]: must be lowercase letters, digits and '-', starting with a letter "
        "and not ending in '-' (got 'Inventory')"
    )):
        spec(calls=["payments", "Inventory"])


def test_accepts_migration_pinned_by_digest() -> None:
    migration = spec(
        migration={"image": IMAGE, "command": ["/m", "up"], "args": ["--dry"]}
    ).migration
    assert migration is not None
    assert (migration.command, migration.args) == (["/m", "up"], ["--dry"])


@pytest.mark.parametrize(
    ("migration", "line"),
    [
        ({"timeoutSeconds": 10},
         "migration.timeoutSeconds: input should be greater than or equal to 30 (got 10)"),
        ({"backoffLimit": 11},
         "migration.backoffLimit: input should be less than or equal to 10 (got 11)"),
    ],
)
def test_fails_on_migration_limits(migration: dict[str, Any], line: str) -> None:
    with pytest.raises(SpecError, match=exact(f"{SOURCE}: {line}")):
        spec(migration={"image": IMAGE, "command": ["/m"], **migration})


def test_accepts_pre_stop_just_below_grace_period() -> None:
    service = spec(terminationGracePeriodSeconds=10, preStopSeconds=9)
    assert (service.termination_grace_period_seconds, service.pre_stop_seconds) == (10, 9)


def test_fails_on_pre_stop_above_grace_period() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: preStopSeconds: must be below terminationGracePeriodSeconds (got 40 >= 30)"
    )):
        spec(preStopSeconds=40)


def test_fails_on_zero_grace_period() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: terminationGracePeriodSeconds: input should be greater than or equal to 1 "
        "(got 0)"
    )):
        spec(terminationGracePeriodSeconds=0)


def test_reports_every_field_problem_of_one_file() -> None:
    with pytest.raises(SpecError) as caught:
        spec(port=80, team="Web", resources={"cpu": "fast"})
    assert [line.split(": ")[1] for line in caught.value.problems] == [
        "team", "port", "resources.cpu",
    ]


# --- unquoted numbers: YAML reads `cpu: 2` as a number --------------------------------------


def test_accepts_unquoted_numbers_for_cpu_and_memory_as_text() -> None:
    resources = from_yaml(
        BASE_YAML
        + "resources: {cpu: 2, memory: 1073741824, limits: {cpu: 4, memory: 2147483648}}\n"
    ).resources
    assert (resources.cpu, resources.memory) == ("2", "1073741824")
    assert (resources.limits.cpu, resources.limits.memory) == ("4", "2147483648")


def test_accepts_unquoted_fractional_cpu() -> None:
    assert from_yaml(BASE_YAML + "resources: {cpu: 0.5}\n").resources.cpu == "0.5"


def test_accepts_unquoted_metric_target() -> None:
    scaling = from_yaml(
        BASE_YAML + "scaling: {metrics: [{type: pods, name: rps, target: 50}]}\n"
    ).scaling
    assert scaling.metrics[0].target == "50"


def test_accepts_unquoted_cpu_in_an_override() -> None:
    service = from_yaml(BASE_YAML + "environments: {prod: {resources: {cpu: 2}}}\n", "prod")
    assert service.resources.cpu == "2"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("resources: {cpu: 0}",
         "resources.cpu: must be a CPU quantity such as 250m, 0.5 or 2 above zero (got '0')"),
        ("resources: {cpu: 2, limits: {cpu: 1}}",
         "resources.limits.cpu: must be >= cpu (got 1 < 2)"),
        ("resources: {memory: 512}",
         "resources.memory: must be a memory quantity such as 128Mi, 1Gi or 500M of at least 1Mi "
         "(got '512')"),
        ("scaling: {metrics: [{type: pods, name: rps, target: 0}]}",
         "scaling.metrics[0].target: must be a quantity above zero such as 100 or 500m "
         "(got '0')"),
    ],
)
def test_unquoted_numbers_are_held_to_the_quantity_rules(text: str, line: str) -> None:
    with pytest.raises(SpecError, match=exact(f"{SOURCE}: {line}")):
        from_yaml(BASE_YAML + text + "\n")


@pytest.mark.parametrize("version", ["1.2", "1", "2.10"])
def test_fails_on_unquoted_version_read_as_a_number(version: str) -> None:
    with pytest.raises(SpecError) as caught:
        from_yaml(f"name: api\nimage: {IMAGE}\nversion: {version}\n")
    [line] = caught.value.problems
    assert line.startswith(f"{SOURCE}: version: ")


def test_unquoted_version_says_to_quote_it() -> None:
    with pytest.raises(SpecError) as caught:
        from_yaml(f"name: api\nimage: {IMAGE}\nversion: 1.2\n")
    assert caught.value.problems == [
        f'{SOURCE}: version: must be text: YAML read a number here, so quote it, e.g. "1.2" '
        "(got 1.2)"]


# --- the environment asked for, and every override checked ----------------------------------


@pytest.mark.parametrize("environment", ["staging", "pr", "pr-", "pr-x", "PROD", "prod ", ""])
def test_fails_on_environment_that_is_not_dev_prod_or_a_preview(environment: str) -> None:
    with pytest.raises(ValueError, match=exact(
        f"environment must be dev, prod or pr-<number> (got {environment!r})"
    )) as caught:
        spec(environment)
    # The caller's mistake, not a problem in the file: a plain ValueError, not a SpecError.
    assert caught.type is ValueError


def test_load_file_fails_on_environment_that_is_not_dev_prod_or_a_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api.yaml").write_text(BASE_YAML, encoding="utf-8")
    with pytest.raises(ValueError, match=exact(
        "environment must be dev, prod or pr-<number> (got 'qa')"
    )) as caught:
        load_file(Path("api.yaml"), "qa")
    assert caught.type is ValueError


@pytest.mark.parametrize("environment", [None, "dev", "prod", "pr-7"])
def test_every_override_is_checked_whichever_environment_is_loaded(
    environment: str | None,
) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: environments.prod.scaling.min: must be <= scaling.max (got 8 > 6)"
    )):
        spec(environment, scaling={"min": 2, "max": 6},
             environments={"dev": {"port": 9000}, "prod": {"scaling": {"min": 8}}})


def test_reports_every_broken_override_in_file_order() -> None:
    with pytest.raises(SpecError) as caught:
        spec("prod", scaling={"min": 2, "max": 6},
             environments={"pr": {"port": 80}, "prod": {"port": 9000},
                           "dev": {"scaling": {"min": 8}}})
    assert caught.value.problems == [
        f"{SOURCE}: environments.pr.port: must be from 1024 to 65535 (got 80); lower ports need "
        "root, which containers here never have",
        f"{SOURCE}: environments.dev.scaling.min: must be <= scaling.max (got 8 > 6)",
    ]


def test_loads_the_asked_environment_when_every_override_is_valid() -> None:
    environments = {"dev": {"port": 9000}, "prod": {"port": 9001}, "pr": {"port": 9002}}
    ports = [spec(env, environments=environments).port for env in (None, "dev", "prod", "pr-3")]
    assert ports == [8080, 9000, 9001, 9002]


@pytest.mark.parametrize("environment", [None, "dev", "prod"])
def test_unknown_override_field_lists_the_fields_an_override_takes(
    environment: str | None,
) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: environments.dev.scalling: unknown field (did you mean 'scaling'?); "
        f"valid fields: {OVERRIDE_FIELDS}"
    )):
        spec(environment, environments={"dev": {"scalling": {"min": 1}}})


def test_unknown_field_nested_in_an_override_lists_that_section_s_fields() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: environments.prod.exposure.hots: unknown field (did you mean 'host'?); "
        "valid fields: public, host, path, rateLimit, synthetic"
    )):
        spec("prod", environments={"prod": {"exposure": {"hots": "shop.example.com"}}})


# --- messages that say what is valid ---------------------------------------------------------


@pytest.mark.parametrize("port", [0, 80, 1023])
def test_fails_on_privileged_port_saying_why(port: int) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: port: must be from 1024 to 65535 (got {port}); lower ports need root, which "
        "containers here never have"
    )):
        spec(port=port)


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"resources": "500m"}, "resources: must be a mapping of fields (got '500m')"),
        ({"scaling": [2, 4]}, "scaling: must be a mapping of fields (got [2, 4])"),
        ({"migration": "/m"}, "migration: must be a mapping of fields (got '/m')"),
        ({"serviceAccount": True}, "serviceAccount: must be a mapping of fields (got true)"),
        ({"environments": {"prod": 4}}, "environments.prod: must be a mapping of fields (got 4)"),
        ({"environments": {"prod": None}},
         "environments.prod: must be a mapping of fields (got nothing)"),
    ],
)
def test_fails_on_section_that_is_not_a_mapping(fields: dict[str, Any], line: str) -> None:
    with pytest.raises(SpecError, match=exact(f"{SOURCE}: {line}")):
        spec(**fields)


def test_release_counts_give_one_line_each() -> None:
    with pytest.raises(SpecError) as caught:
        spec(release={"maxSurge": "two", "maxUnavailable": 1.5})
    assert caught.value.problems == [
        f"{SOURCE}: release.maxSurge: must be a whole number >= 0 or a percentage from 0% to "
        "100% such as 25% (got 'two')",
        f"{SOURCE}: release.maxUnavailable: must be a whole number >= 0 or a percentage from 0% "
        "to 100% such as 25% (got 1.5)",
    ]


def test_config_values_give_one_line_each() -> None:
    with pytest.raises(SpecError) as caught:
        spec(config={"FEATURES": ["a"], "LIMITS": {"a": 1}, "WORKERS": 4})
    assert caught.value.problems == [
        f"{SOURCE}: config.FEATURES: must be a string, number or boolean; nested values are not "
        "environment variables (got ['a'])",
        f"{SOURCE}: config.LIMITS: must be a string, number or boolean; nested values are not "
        "environment variables (got {'a': 1})",
    ]


def test_fails_on_migration_with_an_empty_command() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: migration.command: must name the command to run, e.g. [/app/migrate, up]"
    )):
        spec(migration={"image": IMAGE, "command": []})


@pytest.mark.parametrize(
    ("cidr", "network"),
    [("10.20.0.5/24", "10.20.0.0/24"), ("192.168.1.1/16", "192.168.0.0/16"),
     ("2001:db8::1/32", "2001:db8::/32")],
)
def test_egress_cidr_with_host_bits_suggests_the_network(cidr: str, network: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: egress[0].cidr: has host bits set (got {cidr!r}); did you mean {network}?"
    )):
        spec(egress=[{"cidr": cidr}])


# --- rules added after the first corpus ------------------------------------------------------


def test_fails_on_egress_with_no_ports() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: egress[0].ports: must list at least one port, e.g. [443]; an empty list "
        "would allow every port"
    )):
        spec(egress=[{"cidr": "203.0.113.0/24", "ports": []}])


def test_fails_on_override_egress_with_no_ports() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: environments.prod.egress[0].ports: must list at least one port, e.g. [443]; "
        "an empty list would allow every port"
    )):
        spec(environments={"prod": {"egress": [{"cidr": "203.0.113.0/24", "ports": []}]}})


@pytest.mark.parametrize(
    ("floor", "percent"), [(2, "50%"), (3, "33%"), (3, "66%"), (4, "75%"), (10, "90%")]
)
def test_accepts_percent_max_unavailable_that_rounds_up_below_scaling_min(
    floor: int, percent: str
) -> None:
    service = spec(scaling={"min": floor, "max": 10}, disruption={"maxUnavailable": percent})
    assert service.disruption.max_unavailable == percent


@pytest.mark.parametrize(
    ("floor", "percent"), [(2, "51%"), (2, "100%"), (3, "67%"), (4, "76%"), (10, "91%")]
)
def test_fails_on_percent_max_unavailable_that_rounds_up_to_scaling_min(
    floor: int, percent: str
) -> None:
    # Kubernetes rounds a percentage of maxUnavailable up: 51% of 2 pods is 2 pods.
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: disruption.maxUnavailable: {percent} of scaling.min ({floor}) lets a drain "
        f"take all {floor} pods at once; lower it"
    )):
        spec(scaling={"min": floor, "max": 10}, disruption={"maxUnavailable": percent})


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), ("0", "0"), ("0%", "'0%'")])
@pytest.mark.parametrize("floor", [1, 3])
def test_fails_on_min_available_that_keeps_no_pod(floor: int, value: object, shown: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: disruption.minAvailable: {shown} protects nothing; leave disruption out for "
        "the default (maxUnavailable: 1) or keep at least one pod"
    )):
        spec(scaling={"min": floor, "max": 6}, disruption={"minAvailable": value})


def test_fails_on_host_of_a_private_service() -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: exposure.public: is false, so host would be ignored: set public: true or "
        "drop host"
    )):
        spec(exposure={"public": False, "host": "shop.example.com"})


def test_fails_on_host_when_public_is_left_out() -> None:
    with pytest.raises(SpecError) as caught:
        spec(exposure={"host": "shop.example.com"})
    [line] = caught.value.problems
    assert line.startswith(f"{SOURCE}: exposure.public: ")


def test_override_can_make_a_service_private_by_dropping_its_host() -> None:
    service = spec(
        "dev",
        exposure={"public": True, "host": "shop.example.com"},
        environments={"dev": {"exposure": {"public": False, "host": None}}},
    )
    assert (service.exposure.public, service.exposure.host) == (False, None)


# --- loader and error formatting --------------------------------------------------------------


def test_field_path_joins_names_and_indexes() -> None:
    assert field_path(["egress", 0, "ports", 1]) == "egress[0].ports[1]"
    assert field_path(["scaling", "metrics", 2, "target"]) == "scaling.metrics[2].target"
    assert field_path([]) == ""


def test_load_file_reads_yaml_and_checks_the_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api.yaml").write_text(
        f"name: api\nimage: {IMAGE}\nversion: 1.0.0\nscaling: {{min: 3, max: 5}}\n"
        "environments:\n  prod: {scaling: {min: 5}}\n",
        encoding="utf-8",
    )
    assert load_file(Path("api.yaml")).scaling.min == 3
    assert load_file(Path("api.yaml"), "prod").scaling.min == 5


def test_load_file_fails_on_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        SpecError, match=exact("nope.yaml: cannot be read (No such file or directory)")
    ):
        load_file(Path("nope.yaml"))


def test_read_document_shows_paths_outside_the_working_directory_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(SpecError, match=exact(
        f"{path}: is empty; a service needs at least name, image and version"
    )):
        read_document(path)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("true\n", "a boolean"), ("'api'\n", "a string"), ("- name: api\n", "a list"),
     ("3.5\n", "a number"), ("42\n", "a number")],
)
def test_read_document_names_what_a_top_level_that_is_not_a_mapping_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, kind: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=exact(
        f"api.yaml: line 1: must be a mapping of fields (name, image, version, ...), got {kind}"
    )):
        read_document(Path("api.yaml"))


def test_read_document_says_where_an_unclosed_bracket_was_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api.yaml").write_text("name: api\ncalls: [a, b\nport: 8080\n", encoding="utf-8")
    with pytest.raises(SpecError, match=exact(
        "api.yaml: line 3, column 5: not valid YAML (did not find expected ',' or ']'; while "
        "parsing a flow sequence at line 2, column 8)"
    )):
        read_document(Path("api.yaml"))


# -- image signatures ---------------------------------------------------------------------

SIGNATURE = {"payload": "eyJjcml0aWNhbCI6e319", "base64Signature": "MEUCIQD/"}


def test_signature_is_optional_and_read_in_camel_case() -> None:
    assert spec().signature is None
    signature = spec(signature=SIGNATURE).signature
    assert signature is not None
    assert (signature.payload, signature.base64_signature) == (
        SIGNATURE["payload"], SIGNATURE["base64Signature"])
    assert signature.annotation() == (
        '{"Payload":"eyJjcml0aWNhbCI6e319","Base64Signature":"MEUCIQD/"}')


def test_migration_takes_its_own_signature() -> None:
    service = spec(migration={"image": IMAGE, "command": ["m"], "signature": SIGNATURE})
    assert service.migration is not None and service.migration.signature is not None
    assert service.signature is None


@pytest.mark.parametrize("field", ["payload", "base64Signature"])
def test_fails_on_signature_that_is_not_base64(field: str) -> None:
    with pytest.raises(SpecError, match=exact(
        f"{SOURCE}: signature.{field}: must be base64 (as cosign prints it)"
    )):
        spec(signature={**SIGNATURE, field: "not base64!"})


def test_fails_on_signature_missing_a_field() -> None:
    with pytest.raises(SpecError, match=re.escape(f"{SOURCE}: signature.base64Signature:")):
        spec(signature={"payload": SIGNATURE["payload"]})


def test_environment_override_replaces_image_and_signature() -> None:
    other = {"payload": "eA==", "base64Signature": "eQ=="}
    overrides = {"prod": {"image": IMAGE.replace("api@", "api2@"), "signature": other}}
    prod = spec("prod", signature=SIGNATURE, environments=overrides)
    dev = spec("dev", signature=SIGNATURE, environments=overrides)
    assert prod.signature is not None and prod.signature.payload == "eA=="
    assert dev.signature is not None and dev.signature.payload == SIGNATURE["payload"]
