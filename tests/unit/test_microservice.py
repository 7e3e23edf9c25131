"""Microservice under Pulumi mocks: defaults, every knob, and every refused argument."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from microservice_fixtures import (
    COMPONENT,
    CONFIG_MAP,
    DEPLOYMENT,
    EXTERNAL_SECRET,
    HPA,
    IMAGE,
    JOB,
    NETWORK_POLICY,
    PDB,
    SECRET,
    SERVICE,
    SERVICE_ACCOUNT,
    container,
    pod,
    render,
    spec,
)
from mocking import is_secret
from rules.signatures import check_signatures, simple_signing_payload
from slipway import Environment, Peer, PeerSelector, SecretStoreRef
from slipway.workload import CONFIG_HASH_ANNOTATION, SIGNATURE_ANNOTATION_PREFIX

# -- defaults ------------------------------------------------------------------------------


def test_minimal_spec_creates_the_hardened_set_and_nothing_optional() -> None:
    registry = render(spec())
    kinds = sorted(r.type for r in registry)
    assert kinds == sorted([
        COMPONENT, SERVICE_ACCOUNT, DEPLOYMENT, SERVICE, HPA, PDB, NETWORK_POLICY,
    ])


def test_every_child_is_parented_to_the_component() -> None:
    registry = render(spec(config={"A": "1"}, secrets=["TOKEN_X"],
                           migration={"image": IMAGE, "command": ["m"]}),
                      secret_values={"TOKEN_X": "v"})
    component = registry.one(COMPONENT)
    children = registry.children_of(component)
    assert len(children) == len(registry) - 1
    assert {c.type for c in children} >= {CONFIG_MAP, SECRET, JOB, DEPLOYMENT}


def test_child_names_are_prefixed_with_the_component_name() -> None:
    registry = render(spec())
    names = {r.name for r in registry if r.type != COMPONENT}
    assert names == {"api-sa", "api-deployment", "api-service", "api-hpa", "api-pdb",
                     "api-netpol"}


def test_service_account_does_not_automount_a_token_by_default() -> None:
    registry = render(spec())
    assert registry.one(SERVICE_ACCOUNT).inputs["automountServiceAccountToken"] is False
    assert pod(registry.one(DEPLOYMENT))["automountServiceAccountToken"] is False


def test_service_account_token_is_mounted_when_asked() -> None:
    registry = render(spec(serviceAccount={"automountToken": True}))
    assert registry.one(SERVICE_ACCOUNT).inputs["automountServiceAccountToken"] is True
    assert pod(registry.one(DEPLOYMENT))["automountServiceAccountToken"] is True


def test_container_is_hardened() -> None:
    registry = render(spec())
    security = container(registry.one(DEPLOYMENT))["securityContext"]
    assert security == {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_pod_runs_as_a_high_uid_with_runtime_default_seccomp() -> None:
    registry = render(spec())
    security = pod(registry.one(DEPLOYMENT))["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 10001
    assert security["runAsGroup"] == 10001
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}


def test_read_only_root_gets_a_writable_tmp() -> None:
    registry = render(spec())
    assert container(registry.one(DEPLOYMENT))["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"}]
    assert pod(registry.one(DEPLOYMENT))["volumes"][0]["emptyDir"] == {"sizeLimit": "64Mi"}


def test_default_probes_are_tcp_on_the_service_port() -> None:
    registry = render(spec())
    main = container(registry.one(DEPLOYMENT))
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert main[probe]["tcpSocket"] == {"port": "http"}
        assert "httpGet" not in main[probe]
    assert main["livenessProbe"]["periodSeconds"] == 20
    assert main["startupProbe"]["failureThreshold"] == 60


def test_http_probes_use_the_paths_given() -> None:
    registry = render(spec(probes={"readiness": "/ready", "liveness": "/live",
                                   "startup": "/started"}))
    main = container(registry.one(DEPLOYMENT))
    assert main["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http",
                                                 "scheme": "HTTP"}
    assert main["livenessProbe"]["httpGet"]["path"] == "/live"
    assert main["startupProbe"]["httpGet"]["path"] == "/started"


def test_probe_on_another_port_declares_that_port() -> None:
    registry = render(spec(probes={"readiness": {"path": "/ready", "port": 9091}}))
    main = container(registry.one(DEPLOYMENT))
    assert main["readinessProbe"]["httpGet"]["port"] == "probe-9091"
    assert {"name": "probe-9091", "containerPort": 9091, "protocol": "TCP"} in main["ports"]


def test_requests_and_memory_limit_default_to_safe_values() -> None:
    registry = render(spec())
    assert container(registry.one(DEPLOYMENT))["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"memory": "128Mi"},
    }


def test_resources_from_spec_including_cpu_limit() -> None:
    registry = render(spec(resources={"cpu": "250m", "memory": "256Mi",
                                      "limits": {"cpu": "1", "memory": "1Gi"}}))
    assert container(registry.one(DEPLOYMENT))["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }


def test_labels_carry_version_but_selector_does_not() -> None:
    registry = render(spec(team="payments"))
    deployment = registry.one(DEPLOYMENT)
    template_labels = deployment.spec["template"]["metadata"]["labels"]
    assert template_labels["app.kubernetes.io/version"] == "1.2.3"
    assert template_labels["app.kubernetes.io/name"] == "api"
    assert template_labels["slipway.dev/team"] == "payments"
    assert template_labels["app.kubernetes.io/managed-by"] == "pulumi"
    selector = deployment.spec["selector"]["matchLabels"]
    assert "app.kubernetes.io/version" not in selector
    assert selector == {"app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api-dev",
                        "app.kubernetes.io/component": "server"}


def test_change_cause_names_version_and_commit() -> None:
    registry = render(spec(commit="0123456789abcdef"))
    annotations = registry.one(DEPLOYMENT).inputs["metadata"]["annotations"]
    assert annotations["kubernetes.io/change-cause"] == "api 1.2.3 (commit 0123456789ab)"


def test_change_cause_says_when_commit_is_unknown() -> None:
    registry = render(spec())
    annotations = registry.one(DEPLOYMENT).inputs["metadata"]["annotations"]
    assert annotations["kubernetes.io/change-cause"] == "api 1.2.3 (commit unknown)"


def test_graceful_termination_sleeps_before_sigterm() -> None:
    registry = render(spec(preStopSeconds=10, terminationGracePeriodSeconds=45))
    deployment = registry.one(DEPLOYMENT)
    assert container(deployment)["lifecycle"] == {"preStop": {"sleep": {"seconds": 10}}}
    assert pod(deployment)["terminationGracePeriodSeconds"] == 45


def test_no_pre_stop_hook_when_pre_stop_is_zero() -> None:
    registry = render(spec(preStopSeconds=0))
    assert "lifecycle" not in container(registry.one(DEPLOYMENT))


def test_topology_spread_across_zones_and_hosts_follows_the_environment() -> None:
    env = Environment(name="prod", namespace="apps", zone_spread="DoNotSchedule")
    registry = render(spec(), environment=env)
    spread = pod(registry.one(DEPLOYMENT))["topologySpreadConstraints"]
    assert [(c["topologyKey"], c["whenUnsatisfiable"]) for c in spread] == [
        ("topology.kubernetes.io/zone", "DoNotSchedule"),
        ("kubernetes.io/hostname", "ScheduleAnyway"),
    ]
    assert all(c["maxSkew"] == 1 for c in spread)
    assert spread[0]["labelSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "api-prod"


def test_rolling_update_uses_environment_defaults() -> None:
    env = Environment(name="dev", namespace="apps", max_surge=1, max_unavailable=0,
                      revision_history_limit=3)
    deployment = render(spec(), environment=env).one(DEPLOYMENT)
    assert deployment.spec["strategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    assert deployment.spec["revisionHistoryLimit"] == 3


def test_rolling_update_from_spec_overrides_environment() -> None:
    deployment = render(spec(release={"maxSurge": "50%", "maxUnavailable": 1})).one(DEPLOYMENT)
    assert deployment.spec["strategy"]["rollingUpdate"] == {"maxSurge": "50%",
                                                            "maxUnavailable": 1}


# -- scaling and disruption ---------------------------------------------------------------


def test_autoscaled_deployment_leaves_replicas_to_the_hpa() -> None:
    registry = render(spec(scaling={"min": 3, "max": 9}))
    assert "replicas" not in registry.one(DEPLOYMENT).spec
    hpa = registry.one(HPA).spec
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 9)
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "api"}


def test_fixed_replicas_when_min_equals_max_and_no_hpa() -> None:
    registry = render(spec(scaling={"min": 3, "max": 3}))
    assert registry.one(DEPLOYMENT).spec["replicas"] == 3
    assert registry.of_type(HPA) == []


def test_hpa_scales_on_cpu_memory_and_custom_metrics() -> None:
    registry = render(spec(scaling={
        "min": 2, "max": 8, "cpu": 60, "memory": 75,
        "metrics": [
            {"type": "pods", "name": "http_requests_per_second", "target": "100"},
            {"type": "external", "name": "queue_depth", "target": "30",
             "selector": {"queue": "jobs"}},
        ],
    }))
    metrics = registry.one(HPA).spec["metrics"]
    assert metrics == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 60}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {
            "type": "Utilization", "averageUtilization": 75}}},
        {"type": "Pods", "pods": {"metric": {"name": "http_requests_per_second"},
                                  "target": {"type": "AverageValue", "averageValue": "100"}}},
        {"type": "External", "external": {
            "metric": {"name": "queue_depth", "selector": {"matchLabels": {"queue": "jobs"}}},
            "target": {"type": "AverageValue", "averageValue": "30"}}},
    ]


def test_hpa_scales_down_slowly() -> None:
    behavior = render(spec()).one(HPA).spec["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 300


def test_pdb_defaults_to_one_unavailable_and_always_allows_unhealthy_evictions() -> None:
    pdb = render(spec(scaling={"min": 3, "max": 6})).one(PDB).spec
    assert pdb["maxUnavailable"] == 1
    assert "minAvailable" not in pdb
    assert pdb["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    assert pdb["selector"]["matchLabels"]["app.kubernetes.io/component"] == "server"


def test_pdb_uses_min_available_when_given() -> None:
    pdb = render(spec(scaling={"min": 3, "max": 6},
                      disruption={"minAvailable": 2})).one(PDB).spec
    assert pdb["minAvailable"] == 2
    assert "maxUnavailable" not in pdb


def test_no_pdb_for_a_single_replica() -> None:
    registry = render(spec(scaling={"min": 1, "max": 1}))
    assert registry.of_type(PDB) == []


# -- config and secrets -------------------------------------------------------------------


def test_config_lands_in_a_config_map_read_through_env_from() -> None:
    registry = render(spec(config={"LOG_LEVEL": "info", "WORKERS": 4, "DEBUG": False}))
    config_map = registry.one(CONFIG_MAP)
    assert config_map.inputs["data"] == {"DEBUG": "false", "LOG_LEVEL": "info", "WORKERS": "4"}
    assert container(registry.one(DEPLOYMENT))["envFrom"] == [
        {"configMapRef": {"name": "api-config"}}]


def _config_hash(config: dict[str, object], **fields: object) -> str:
    deployment = render(spec(config=config, **fields)).one(DEPLOYMENT)
    return str(deployment.spec["template"]["metadata"]["annotations"][CONFIG_HASH_ANNOTATION])


def test_config_change_changes_the_pod_template_hash() -> None:
    assert _config_hash({"LOG_LEVEL": "info"}) != _config_hash({"LOG_LEVEL": "debug"})


def test_config_hash_ignores_everything_but_config() -> None:
    assert _config_hash({"A": "1"}) == _config_hash({"A": "1"}, version="9.9.9")


def test_secret_values_are_pulumi_secrets_and_referenced_by_key() -> None:
    registry = render(spec(secrets=["DB_PASSWORD"]), secret_values={"DB_PASSWORD": "hunter2"})
    secret = registry.one(SECRET)
    assert is_secret(secret.raw_inputs["stringData"])
    assert secret.inputs["stringData"] == {"DB_PASSWORD": "hunter2"}
    assert container(registry.one(DEPLOYMENT))["env"] == [{
        "name": "DB_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "api-secrets", "key": "DB_PASSWORD"}},
    }]


def test_secret_values_never_reach_other_resources() -> None:
    registry = render(spec(secrets=["DB_PASSWORD"], config={"A": "b"}),
                      secret_values={"DB_PASSWORD": "hunter2-unique"})
    for resource in registry:
        if resource.type != SECRET:
            assert "hunter2-unique" not in repr(resource.raw_inputs), resource.type


def test_deployment_waits_for_its_secret() -> None:
    registry = render(spec(secrets=["DB_PASSWORD"]), secret_values={"DB_PASSWORD": "x"})
    assert registry.one(SECRET).urn in registry.one(DEPLOYMENT).dependencies


def test_secret_store_makes_an_external_secret_and_no_secret() -> None:
    store = SecretStoreRef(name="vault", key_prefix="shop/dev")
    registry = render(spec(secrets=["DB_PASSWORD", "API_TOKEN"]), secret_store=store)
    assert registry.of_type(SECRET) == []
    external = registry.one(EXTERNAL_SECRET)
    assert external.inputs["apiVersion"] == "external-secrets.io/v1"
    assert external.spec["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}
    assert external.spec["target"]["name"] == "api-secrets"
    assert external.spec["data"] == [
        {"secretKey": "DB_PASSWORD", "remoteRef": {"key": "shop/dev/api",
                                                   "property": "DB_PASSWORD"}},
        {"secretKey": "API_TOKEN", "remoteRef": {"key": "shop/dev/api", "property": "API_TOKEN"}},
    ]


def test_no_secret_resources_without_declared_secrets() -> None:
    registry = render(spec())
    assert registry.of_type(SECRET) == [] and registry.of_type(EXTERNAL_SECRET) == []
    assert container(registry.one(DEPLOYMENT))["env"] == []


# -- migration ----------------------------------------------------------------------------


def test_migration_job_runs_before_the_rollout() -> None:
    registry = render(spec(version="2.0.0-rc.1", migration={
        "image": IMAGE, "command": ["/migrate", "up"], "timeoutSeconds": 900}))
    job = registry.one(JOB)
    assert job.k8s_name == "api-migrate-2-0-0-rc-1"
    assert job.spec["activeDeadlineSeconds"] == 900
    assert job.spec["backoffLimit"] == 1
    template = job.spec["template"]["spec"]
    assert template["restartPolicy"] == "Never"
    assert template["containers"][0]["command"] == ["/migrate", "up"]
    assert template["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    assert "readinessProbe" not in template["containers"][0]
    assert job.urn in registry.one(DEPLOYMENT).dependencies


def test_migration_pods_are_not_selected_by_the_service() -> None:
    registry = render(spec(migration={"image": IMAGE, "command": ["m"]}))
    job_labels = registry.one(JOB).spec["template"]["metadata"]["labels"]
    selector = registry.one(SERVICE).spec["selector"]
    assert job_labels["app.kubernetes.io/component"] == "migration"
    assert selector["app.kubernetes.io/component"] == "server"


# -- service and network policy -----------------------------------------------------------


def test_service_is_cluster_ip_on_port_80_to_the_named_port() -> None:
    service = render(spec(port=9000)).one(SERVICE).spec
    assert service["type"] == "ClusterIP"
    assert service["ports"] == [{"name": "http", "port": 80, "targetPort": "http",
                                 "protocol": "TCP"}]


def test_network_policy_denies_by_default_and_allows_only_monitoring() -> None:
    policy = render(spec()).one(NETWORK_POLICY).spec
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "monitoring"}}}],
        "ports": [{"port": 8080, "protocol": "TCP"}],
    }]
    assert policy["egress"] == [{
        "to": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
    }]


def test_network_policy_allows_declared_callers_only() -> None:
    policy = render(spec(), callers=["web", "worker"]).one(NETWORK_POLICY).spec
    assert policy["ingress"][0] == {
        "from": [{"podSelector": {"matchExpressions": [{
            "key": "app.kubernetes.io/name", "operator": "In", "values": ["web", "worker"]}]}}],
        "ports": [{"port": 8080, "protocol": "TCP"}],
    }


def test_public_service_accepts_the_gateway() -> None:
    env = Environment(name="dev", namespace="apps",
                      gateway=PeerSelector("istio-ingress", {"istio": "ingressgateway"}))
    policy = render(spec(exposure={"public": True, "host": "api.example.com"}),
                    environment=env).one(NETWORK_POLICY).spec
    assert {"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "istio-ingress"}},
        "podSelector": {"matchLabels": {"istio": "ingressgateway"}}} in [
        peer for rule in policy["ingress"] for peer in rule["from"]]


def test_private_service_does_not_accept_the_gateway() -> None:
    policy = render(spec()).one(NETWORK_POLICY).spec
    namespaces = [peer.get("namespaceSelector", {}).get("matchLabels", {}).get(
        "kubernetes.io/metadata.name") for rule in policy["ingress"] for peer in rule["from"]]
    assert "gateway" not in namespaces


def test_network_policy_egress_to_callees_on_their_ports_and_external_cidrs() -> None:
    policy = render(spec(calls=["payments", "ledger"],
                         egress=[{"cidr": "203.0.113.0/24", "ports": [443, 8443]}]),
                    calls=[Peer("payments", 9090), Peer("ledger", 8080)]).one(NETWORK_POLICY)
    egress = policy.spec["egress"]
    assert egress[1:] == [
        {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "ledger"}}}],
         "ports": [{"port": 8080, "protocol": "TCP"}]},
        {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "payments"}}}],
         "ports": [{"port": 9090, "protocol": "TCP"}]},
        {"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}],
         "ports": [{"port": 443, "protocol": "TCP"}, {"port": 8443, "protocol": "TCP"}]},
    ]


def test_network_policy_selects_migration_pods_too() -> None:
    policy = render(spec()).one(NETWORK_POLICY).spec
    assert policy["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api-dev"}


# -- refused arguments: nothing is registered ----------------------------------------------


def test_fails_when_a_call_has_no_port() -> None:
    with pytest.raises(ValueError, match=r"api: calls: args.calls must give a port for each "
                       r"of spec.calls \(missing: \['payments'\], not in spec.calls: none\)"):
        render(spec(calls=["payments"]))


def test_fails_when_a_port_is_given_for_an_undeclared_call() -> None:
    with pytest.raises(ValueError, match=r"not in spec.calls: \['ledger'\]"):
        render(spec(), calls=[Peer("ledger", 8080)])


def test_fails_when_a_secret_has_no_value() -> None:
    with pytest.raises(ValueError, match=r"api: secrets: no value for DB_PASSWORD; set it with "
                       r"`pulumi config set --secret --path 'secretValues.api.DB_PASSWORD'`"):
        render(spec(secrets=["DB_PASSWORD"]))


def test_fails_when_a_value_is_given_for_an_undeclared_secret() -> None:
    with pytest.raises(ValueError, match=r"values given for names the spec does not declare: "
                       r"STRAY \(declared: none\)"):
        render(spec(), secret_values={"STRAY": "x"})


def test_fails_for_an_unknown_environment_name() -> None:
    with pytest.raises(ValueError, match=r"environment name must be dev, prod or pr-<number> "
                       r"\(got 'staging'\)"):
        Environment(name="staging", namespace="apps")


# -- outputs ------------------------------------------------------------------------------


def test_component_outputs_name_what_it_created() -> None:
    registry = render(spec(config={"A": "1"}))
    assert registry.one(COMPONENT).type == "slipway:index:Microservice"
    names = {r.k8s_name for r in registry if r.type != COMPONENT}
    assert names == {"api", "api-config"}


# -- image signatures ---------------------------------------------------------------------

SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())  # throwaway, this test run only


def _signature(image: str) -> dict[str, str]:
    """What CI hands over: cosign's Payload and Base64Signature for the image."""
    name, digest = image.split("@")
    payload = simple_signing_payload(name, digest)
    signature = SIGNING_KEY.sign(payload, ec.ECDSA(hashes.SHA256()))
    return {"payload": base64.b64encode(payload).decode(),
            "base64Signature": base64.b64encode(signature).decode()}


def _trusting_config() -> dict[str, object]:
    pem = SIGNING_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"publicKeys": {"ci": pem}}


def test_signature_goes_on_the_pod_template_under_the_container_name() -> None:
    signature = _signature(IMAGE)
    deployment = render(spec(signature=signature)).one(DEPLOYMENT)
    annotations = deployment.spec["template"]["metadata"]["annotations"]
    assert json.loads(annotations[f"{SIGNATURE_ANNOTATION_PREFIX}api"]) == {
        "Payload": signature["payload"], "Base64Signature": signature["base64Signature"]}
    assert container(deployment)["name"] == "api"
    # The policy pack's signature rule accepts what the component renders.
    props = {"kind": "Deployment", "metadata": {"name": "api", "namespace": "apps"},
             "spec": deployment.spec}
    assert check_signatures(props, _trusting_config()) == []


def test_no_signature_annotation_without_a_signature() -> None:
    registry = render(spec(migration={"image": IMAGE, "command": ["m"]}))
    annotations = registry.one(DEPLOYMENT).spec["template"]["metadata"]["annotations"]
    assert not [k for k in annotations if k.startswith(SIGNATURE_ANNOTATION_PREFIX)]
    assert "annotations" not in registry.one(JOB).spec["template"]["metadata"]


def test_migration_signature_goes_on_the_job_pod_template() -> None:
    migration_image = IMAGE.replace("/api@", "/api-migrate@")
    registry = render(spec(signature=_signature(IMAGE), migration={
        "image": migration_image, "command": ["m"], "signature": _signature(migration_image)}))
    job = registry.one(JOB)
    annotations = job.spec["template"]["metadata"]["annotations"]
    assert list(annotations) == [f"{SIGNATURE_ANNOTATION_PREFIX}migrate"]
    assert job.spec["template"]["spec"]["containers"][0]["name"] == "migrate"
    props = {"kind": "Job", "metadata": {"name": job.k8s_name, "namespace": "apps"},
             "spec": job.spec}
    assert check_signatures(props, _trusting_config()) == []


def test_service_signature_is_not_put_on_the_migration_job() -> None:
    registry = render(spec(signature=_signature(IMAGE),
                           migration={"image": IMAGE, "command": ["m"]}))
    assert "annotations" not in registry.one(JOB).spec["template"]["metadata"]
