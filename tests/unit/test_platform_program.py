"""The whole prod program (__main__.py with Pulumi.prod.yaml) under AWS-shaped mocks.

The AWS provider plugin does not exist here, so this is where prod runs: the platform (VPC,
EKS, IAM, Secrets Manager) and the services deployed through the cluster's provider.
"""

from __future__ import annotations

import ipaddress
import json
import re
import runpy
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest

from aws_mocks import ACCOUNT, ISSUER, AwsMocks, policy_document, prod_config, resource_id_for
from mocking import Registered, Registry, run_under_mocks
from slipway import SpecError

ROOT = Path(__file__).resolve().parents[2]
ISSUER_HOST = ISSUER.removeprefix("https://")
SERVICES = sorted(p.stem for p in (ROOT / "services").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run_prod(config: dict[str, Any] | None = None, registry: AwsMocks | None = None) -> AwsMocks:
    registry = registry if registry is not None else AwsMocks()
    run_under_mocks(lambda: runpy.run_path(str(ROOT / "__main__.py")), stack="prod",
                    config=config if config is not None else prod_config(ROOT),
                    registry=registry)
    return registry


@pytest.fixture(scope="module")
def prod() -> AwsMocks:
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    try:
        return run_prod()
    finally:
        mp.undo()


def kinds(registry: Registry) -> Counter[str]:
    return Counter(r.type for r in registry)


def by_name(registry: Registry, type_token: str) -> dict[str, Registered]:
    return {r.name: r for r in registry.of_type(type_token)}


def ancestors(registry: Registry, resource: Registered) -> list[str]:
    chain = []
    while resource.parent:
        parent = next((r for r in registry if r.urn == resource.parent), None)
        if parent is None:
            break
        chain.append(parent.type)
        resource = parent
    return chain


# -- what gets created --------------------------------------------------------------------


def test_resource_counts_per_kind(prod: AwsMocks) -> None:
    counts = kinds(prod)
    assert {kind: n for kind, n in counts.items() if kind.startswith(("aws:", "slipway:platform"))
            } == {
        "aws:ec2/vpc:Vpc": 1,
        "aws:ec2/internetGateway:InternetGateway": 1,
        "aws:ec2/subnet:Subnet": 9,                     # 3 tiers x 3 zones
        "aws:ec2/routeTable:RouteTable": 5,             # public, 3 private (own NAT), intra
        "aws:ec2/routeTableAssociation:RouteTableAssociation": 9,
        "aws:ec2/eip:Eip": 3,                           # nat: per-zone
        "aws:ec2/natGateway:NatGateway": 3,
        "aws:ec2/vpcEndpoint:VpcEndpoint": 3,           # s3 gateway, ecr.api, ecr.dkr
        "aws:ec2/securityGroup:SecurityGroup": 1,       # the interface endpoints'
        "aws:ec2/flowLog:FlowLog": 1,
        "aws:cloudwatch/logGroup:LogGroup": 2,          # flow logs, control plane
        "aws:kms/key:Key": 2,                           # EKS secrets, Secrets Manager
        "aws:kms/alias:Alias": 1,
        "aws:eks/cluster:Cluster": 1,
        "aws:eks/nodeGroup:NodeGroup": 2,
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
        "aws:eks/accessEntry:AccessEntry": 2,
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2,
        # flow logs, cluster, node, ESO, orders, fulfillment-worker
        "aws:iam/role:Role": 6,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,  # 1 cluster + 3 node
        # flow logs, ESO read + decrypt, one per service role
        "aws:iam/rolePolicy:RolePolicy": 5,
        "aws:secretsmanager/secret:Secret": 2,          # orders, payments declare secrets
        "slipway:platform:Platform": 1,
        "slipway:platform:Network": 1,
        "slipway:platform:Cluster": 1,
        "slipway:platform:ServiceRole": 2,
        "slipway:platform:SecretsStore": 1,
        # The in-cluster platform, on the cluster's provider.
        "slipway:platform:KubernetesPlatform": 1,
        "slipway:platform:Mesh": 1,
        "slipway:platform:Gateway": 1,
        "slipway:platform:Observability": 1,
        "slipway:platform:ExternalSecrets": 1,
    }
    assert counts["pulumi:providers:aws"] == 1
    assert counts["pulumi:providers:kubernetes"] == 1
    assert counts["slipway:index:Microservice"] == len(SERVICES)


def test_zones_come_from_the_availability_zones_lookup(prod: AwsMocks) -> None:
    assert ("aws:index/getAvailabilityZones:getAvailabilityZones",
            {"region": "eu-west-1", "state": "available"}) in prod.calls
    zones = {r.inputs["availabilityZone"] for r in prod.of_type("aws:ec2/subnet:Subnet")}
    assert zones == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}


def test_every_platform_resource_is_parented_under_the_platform(prod: AwsMocks) -> None:
    roots = ("slipway:platform:Platform", "slipway:platform:KubernetesPlatform")
    checked = 0
    for resource in prod:
        if resource.type.startswith(("aws:", "slipway:platform:")) and resource.type not in roots:
            assert set(roots) & set(ancestors(prod, resource)), resource.name
            checked += 1
    assert checked > 60
    for root in roots:
        # Each platform hangs off the stack (whose name the mocks cache between runs).
        assert "::pulumi:pulumi:Stack::" in prod.one(root).parent


def test_platform_resources_use_the_explicit_aws_provider(prod: AwsMocks) -> None:
    provider = prod.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-west-1"
    # A provider's object inputs travel JSON-encoded.
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags == {"managed-by": "slipway", "slipway.dev/environment": "prod"}


# -- network ------------------------------------------------------------------------------


def test_subnet_cidrs_are_inside_the_vpc_and_never_overlap(prod: AwsMocks) -> None:
    vpc = ipaddress.ip_network(prod.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"])
    assert str(vpc) == "10.40.0.0/16"
    subnets = [ipaddress.ip_network(r.inputs["cidrBlock"])
               for r in prod.of_type("aws:ec2/subnet:Subnet")]
    assert all(s.subnet_of(vpc) for s in subnets)  # type: ignore[arg-type]
    for i, first in enumerate(subnets):
        for second in subnets[i + 1:]:
            assert not first.overlaps(second), (first, second)
    by_tier = Counter((s.prefixlen, r.inputs["tags"]["slipway.dev/tier"])
                      for s, r in zip(subnets, prod.of_type("aws:ec2/subnet:Subnet"), strict=True))
    assert by_tier == {(19, "private"): 3, (22, "public"): 3, (22, "intra"): 3}


def test_subnet_tags_for_load_balancers_and_cluster_ownership(prod: AwsMocks) -> None:
    cluster_tag = "kubernetes.io/cluster/slipway-prod"
    for subnet in prod.of_type("aws:ec2/subnet:Subnet"):
        tags, tier = subnet.inputs["tags"], subnet.inputs["tags"]["slipway.dev/tier"]
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
        if tier == "public":
            assert tags["kubernetes.io/role/elb"] == "1" and cluster_tag in tags
            assert "kubernetes.io/role/internal-elb" not in tags
        elif tier == "private":
            assert tags["kubernetes.io/role/internal-elb"] == "1" and cluster_tag in tags
            assert "kubernetes.io/role/elb" not in tags
        else:
            assert not any(key.startswith("kubernetes.io/") for key in tags)
        if tier != "intra":
            assert tags[cluster_tag] == "owned"


def test_each_private_zone_routes_through_its_own_nat_gateway(prod: AwsMocks) -> None:
    tables = by_name(prod, "aws:ec2/routeTable:RouteTable")
    nat_routes = [t.inputs["routes"][0]["natGatewayId"] for name, t in tables.items()
                  if "private" in name]
    assert len(set(nat_routes)) == 3
    assert tables["slipway-prod-network-public"].inputs["routes"][0]["cidrBlock"] == "0.0.0.0/0"
    assert "routes" not in tables["slipway-prod-network-intra"].inputs or \
        tables["slipway-prod-network-intra"].inputs["routes"] == []
    nats = prod.of_type("aws:ec2/natGateway:NatGateway")
    public_ids = {r.urn for r in prod.of_type("aws:ec2/subnet:Subnet") if "public" in r.name}
    assert len(public_ids) == 3 and len(nats) == 3


def test_flow_logs_go_to_cloudwatch_through_a_scoped_role(prod: AwsMocks) -> None:
    flow = prod.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    group = by_name(prod, "aws:cloudwatch/logGroup:LogGroup")["slipway-prod-network-flow-logs"]
    assert group.inputs["retentionInDays"] == 365
    assert flow.inputs["logDestination"].endswith(":log-group:/slipway/vpc/"
                                                  "slipway-prod-network/flow-logs")
    role = by_name(prod, "aws:iam/role:Role")["slipway-prod-network-flow-logs"]
    trust = policy_document(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}


def test_s3_gateway_and_ecr_interface_endpoints(prod: AwsMocks) -> None:
    endpoints = {r.inputs["serviceName"]: r.inputs
                 for r in prod.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert set(endpoints) == {"com.amazonaws.eu-west-1.s3", "com.amazonaws.eu-west-1.ecr.api",
                              "com.amazonaws.eu-west-1.ecr.dkr"}
    s3 = endpoints["com.amazonaws.eu-west-1.s3"]
    assert s3["vpcEndpointType"] == "Gateway" and len(s3["routeTableIds"]) == 4
    for name in ("ecr.api", "ecr.dkr"):
        endpoint = endpoints[f"com.amazonaws.eu-west-1.{name}"]
        assert endpoint["vpcEndpointType"] == "Interface"
        assert endpoint["privateDnsEnabled"] is True
        assert len(endpoint["subnetIds"]) == 3 and len(endpoint["securityGroupIds"]) == 1
    group = prod.one("aws:ec2/securityGroup:SecurityGroup").inputs
    assert group["ingress"] == [{"cidrBlocks": ["10.40.0.0/16"], "description":
                                 "HTTPS from the VPC", "fromPort": 443, "protocol": "tcp",
                                 "toPort": 443}]


# -- cluster ------------------------------------------------------------------------------


def test_cluster_is_private_encrypted_and_logs_everything(prod: AwsMocks) -> None:
    cluster = prod.one("aws:eks/cluster:Cluster").inputs
    assert cluster["name"] == "slipway-prod" and cluster["version"] == "1.33"
    vpc = cluster["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True and vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc
    key = by_name(prod, "aws:kms/key:Key")["slipway-prod-cluster-secrets"]
    assert key.inputs["enableKeyRotation"] is True
    assert cluster["encryptionConfig"]["resources"] == ["secrets"]
    assert cluster["encryptionConfig"]["provider"]["keyArn"] == \
        f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/slipway-prod-cluster-secrets-id"
    assert cluster["enabledClusterLogTypes"] == ["api", "audit", "authenticator",
                                                 "controllerManager", "scheduler"]
    assert cluster["accessConfig"] == {"authenticationMode": "API",
                                       "bootstrapClusterCreatorAdminPermissions": False}
    assert cluster["kubernetesNetworkConfig"]["serviceIpv4Cidr"] == "172.20.0.0/16"
    logs = by_name(prod, "aws:cloudwatch/logGroup:LogGroup")["slipway-prod-cluster-control-plane"]
    assert logs.inputs["name"] == "/aws/eks/slipway-prod/cluster"


def test_cluster_and_nodes_sit_in_the_private_subnets(prod: AwsMocks) -> None:
    private_ids = {resource_id_for(r.type, r.name) for r in prod.of_type(
        "aws:ec2/subnet:Subnet") if r.inputs["tags"]["slipway.dev/tier"] == "private"}
    assert len(private_ids) == 3
    assert set(prod.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]["subnetIds"]) == \
        private_ids
    groups = by_name(prod, "aws:eks/nodeGroup:NodeGroup")
    for group in groups.values():
        assert set(group.inputs["subnetIds"]) == private_ids
    general = groups["slipway-prod-cluster-general"].inputs
    assert (general["capacityType"], general["instanceTypes"]) == ("ON_DEMAND", ["m6i.2xlarge"])
    assert general["scalingConfig"] == {"desiredSize": 3, "maxSize": 6, "minSize": 3}
    burst = groups["slipway-prod-cluster-burst"].inputs
    assert (burst["capacityType"], burst["instanceTypes"]) == ("SPOT", ["m6a.2xlarge"])
    assert burst["scalingConfig"] == {"desiredSize": 0, "maxSize": 6, "minSize": 0}


def test_node_role_holds_only_the_managed_policies_nodes_need(prod: AwsMocks) -> None:
    attachments = {r.inputs["policyArn"] for r in prod.of_type(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "-node-" in r.name}
    assert attachments == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    }
    node_role = by_name(prod, "aws:iam/role:Role")["slipway-prod-cluster-node"]
    trust = policy_document(node_role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert not [r for r in prod.of_type("aws:iam/rolePolicy:RolePolicy") if "-node" in r.name]


def test_oidc_provider_and_admin_access_entries(prod: AwsMocks) -> None:
    oidc = prod.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs
    assert oidc["url"] == ISSUER and oidc["clientIdLists"] == ["sts.amazonaws.com"]
    entries = sorted(r.inputs["principalArn"] for r in prod.of_type(
        "aws:eks/accessEntry:AccessEntry"))
    assert entries == [f"arn:aws:iam::{ACCOUNT}:role/break-glass",
                       f"arn:aws:iam::{ACCOUNT}:role/platform-admins"]
    for association in prod.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation"):
        assert association.inputs["policyArn"] == \
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        assert association.inputs["accessScope"] == {"type": "cluster"}


def test_kubernetes_resources_deploy_through_the_cluster_provider(prod: AwsMocks) -> None:
    provider = prod.one("pulumi:providers:kubernetes")
    assert provider.name == "slipway-prod-cluster-kubernetes"
    assert "renderYamlToDirectory" not in provider.inputs
    config = json.loads(provider.inputs["kubeconfig"])
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"].startswith("https://") and cluster["server"].endswith(
        ".eks.amazonaws.com")
    assert cluster["certificate-authority-data"]
    assert config["users"][0]["user"]["exec"]["args"] == [
        "eks", "get-token", "--cluster-name", "slipway-prod", "--region", "eu-west-1",
        "--output", "json"]
    assert "slipway-prod-cluster-kubernetes" in provider.urn
    namespaces = {r.k8s_name for r in prod.of_type("kubernetes:core/v1:Namespace")}
    assert "slipway-prod" in namespaces
    assert not any(r.type == "pulumi:providers:kubernetes" and r.name == "kubernetes"
                   for r in prod)


# -- IAM for services and secrets ---------------------------------------------------------


def statements(registry: Registry) -> list[dict[str, Any]]:
    found = []
    for policy in registry.of_type("aws:iam/rolePolicy:RolePolicy"):
        found += policy_document(policy.inputs["policy"])["Statement"]
    return found


def test_no_iam_policy_has_a_wildcard_action(prod: AwsMocks) -> None:
    found = statements(prod)
    assert len(found) == 5
    for statement in found:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [
            statement["Action"]]
        assert all("*" not in action for action in actions), statement
        assert statement["Resource"] != "*" and "*" not in statement["Resource"][:1]


def test_service_roles_trust_exactly_their_service_account(prod: AwsMocks) -> None:
    roles = {r.inputs["tags"].get("slipway.dev/service"): r
             for r in prod.of_type("aws:iam/role:Role") if "slipway.dev/service" in
             r.inputs["tags"]}
    assert sorted(roles) == ["fulfillment-worker", "orders"]  # the others need no AWS access
    for service, role in roles.items():
        trust = policy_document(role.inputs["assumeRolePolicy"])
        statement = trust["Statement"]
        assert len(statement) == 1
        assert statement[0]["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement[0]["Principal"] == {
            "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER_HOST}"}
        assert statement[0]["Condition"] == {"StringEquals": {
            f"{ISSUER_HOST}:sub": f"system:serviceaccount:slipway-prod:{service}",
            f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
        }}


def test_service_role_policy_is_what_the_spec_declares(prod: AwsMocks) -> None:
    policies = by_name(prod, "aws:iam/rolePolicy:RolePolicy")
    orders = policy_document(policies["slipway-prod-orders-policy"].inputs["policy"])
    assert orders == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": ["arn:aws:s3:::shop-orders-invoices/*"]}]}


def test_service_accounts_carry_their_role_arn(prod: AwsMocks) -> None:
    role_arns = prod.outputs["platform"]["serviceRoleArns"]
    for account in prod.of_type("kubernetes:core/v1:ServiceAccount"):
        if account.k8s_name == "external-secrets":
            continue  # the operator's, with its own role (next test)
        annotations = account.inputs["metadata"].get("annotations", {})
        name = account.k8s_name
        if name in role_arns:
            assert annotations == {"eks.amazonaws.com/role-arn": role_arns[name]}
            assert role_arns[name].startswith(f"arn:aws:iam::{ACCOUNT}:role/")
        else:
            assert "eks.amazonaws.com/role-arn" not in annotations
    assert sorted(role_arns) == ["fulfillment-worker", "orders"]


def test_external_secrets_operator_runs_as_the_platform_role(prod: AwsMocks) -> None:
    account = prod.one("kubernetes:core/v1:ServiceAccount", "external-secrets")
    assert account.inputs["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": prod.outputs["platform"]["externalSecretsRoleArn"]}


def test_secrets_manager_secret_per_service_under_the_store_prefix(prod: AwsMocks) -> None:
    secrets = {r.inputs["name"]: r.inputs for r in prod.of_type(
        "aws:secretsmanager/secret:Secret")}
    assert sorted(secrets) == ["slipway/prod/orders", "slipway/prod/payments"]
    for secret in secrets.values():
        assert secret["kmsKeyId"].startswith(f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/")
        assert "secretString" not in secret  # values are never in Pulumi
    assert not prod.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    external = prod.one("kubernetes:external-secrets.io/v1:ExternalSecret", "orders-secrets")
    assert external.spec["data"][0]["remoteRef"]["key"] == "slipway/prod/orders"


def test_external_secrets_operator_role_reads_only_the_prefix(prod: AwsMocks) -> None:
    role = by_name(prod, "aws:iam/role:Role")["slipway-prod-secrets-operator"]
    condition = policy_document(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]
    assert condition["StringEquals"][f"{ISSUER_HOST}:sub"] == \
        "system:serviceaccount:external-secrets:external-secrets"
    policies = by_name(prod, "aws:iam/rolePolicy:RolePolicy")
    read = policy_document(policies["slipway-prod-secrets-operator-read"].inputs["policy"])
    assert read["Statement"] == [{
        "Effect": "Allow",
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        "Resource": [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:slipway/prod/*"],
    }]
    decrypt = policy_document(policies["slipway-prod-secrets-operator-decrypt"].inputs["policy"])
    assert decrypt["Statement"][0]["Action"] == ["kms:Decrypt"]
    # Auto-named by Pulumi; the mock answers with the ARN AWS would give that name.
    assert prod.outputs["platform"]["externalSecretsRoleArn"].startswith(
        f"arn:aws:iam::{ACCOUNT}:role/slipway-prod-secrets-operator-")


def test_outputs_name_the_platform(prod: AwsMocks) -> None:
    platform = prod.outputs["platform"]
    assert platform["clusterName"] == "slipway-prod"
    assert platform["subnets"]["private-a"] == "10.40.0.0/19"
    assert prod.outputs["renderDir"] is None
    assert prod.outputs["environment"] == "prod"


# -- bad prod settings: a clear error and nothing registered -------------------------------


def with_aws(**changes: Any) -> dict[str, Any]:
    config = prod_config(ROOT)
    config["slipway:aws"] = {**config["slipway:aws"], **changes}
    return config


def expect_refused(config: dict[str, Any], *messages: str) -> None:
    registry = AwsMocks()
    with pytest.raises(SpecError) as caught:
        run_prod(config, registry=registry)
    for message in messages:
        assert message in str(caught.value), str(caught.value)
    assert len(registry) == 0


def test_refuses_a_service_cidr_overlapping_the_vpc() -> None:
    expect_refused(with_aws(serviceCidr="10.40.128.0/17"),
                   "Pulumi.prod.yaml: slipway:aws.serviceCidr: 10.40.128.0/17 overlaps vpcCidr "
                   "10.40.0.0/16")


def test_refuses_two_zones() -> None:
    expect_refused(with_aws(zones=["eu-west-1a", "eu-west-1b"]),
                   "Pulumi.prod.yaml: slipway:aws.zones: must name exactly three different "
                   "availability zones (got 2: eu-west-1a, eu-west-1b)")


def test_refuses_a_region_that_offers_two_zones() -> None:
    registry = AwsMocks(zones={"names": ["eu-west-1a", "eu-west-1b"],
                               "zoneIds": ["euw1-az1", "euw1-az2"]})
    with pytest.raises(ValueError, match="eu-west-1 offers 2 available zones "
                       r"\(eu-west-1a, eu-west-1b\); the network needs 3"):
        run_prod(registry=registry)
    assert len(registry) == 0


def test_refuses_a_bad_instance_type_format() -> None:
    groups = prod_config(ROOT)["slipway:aws"]["nodeGroups"]
    expect_refused(with_aws(nodeGroups=[{**groups[0], "instanceType": "m6i-large"}]),
                   "Pulumi.prod.yaml: slipway:aws.nodeGroups[0].instanceType: must be an EC2 "
                   "instance type written family+generation.size, such as m6i.large")


def test_refuses_an_instance_type_missing_from_the_capacity_table() -> None:
    groups = prod_config(ROOT)["slipway:aws"]["nodeGroups"]
    expect_refused(with_aws(nodeGroups=[{**groups[0], "instanceType": "x2idn.16xlarge"}]),
                   "Pulumi.prod.yaml: slipway:aws.nodeGroups.general.instanceType: instance "
                   "type 'x2idn.16xlarge' is not in the capacity table; known families: c5, "
                   "c6a, c6i, c7g, m5")


def test_refuses_zero_nodes() -> None:
    groups = prod_config(ROOT)["slipway:aws"]["nodeGroups"]
    expect_refused(with_aws(nodeGroups=[{**g, "minSize": 0, "desiredSize": 0} for g in groups]),
                   "Pulumi.prod.yaml: slipway:aws.nodeGroups: would let the cluster scale to "
                   "zero nodes")


def test_refuses_a_node_group_that_can_never_have_a_node() -> None:
    groups = prod_config(ROOT)["slipway:aws"]["nodeGroups"]
    expect_refused(with_aws(nodeGroups=[groups[0], {**groups[1], "maxSize": 0}]),
                   "Pulumi.prod.yaml: slipway:aws.nodeGroups[1].maxSize: input should be "
                   "greater than or equal to 1")


def test_refuses_a_public_endpoint_open_to_the_world() -> None:
    expect_refused(with_aws(endpoint={"public": True, "publicCidrs": ["0.0.0.0/0"]}),
                   "Pulumi.prod.yaml: slipway:aws.endpoint.publicCidrs: 0.0.0.0/0 opens the "
                   "Kubernetes API to the whole internet")


def test_refuses_a_catalog_the_node_groups_cannot_hold() -> None:
    groups = prod_config(ROOT)["slipway:aws"]["nodeGroups"]
    expect_refused(
        with_aws(nodeGroups=[{**groups[0], "instanceType": "m6i.large", "maxSize": 3}]),
        "Pulumi.prod.yaml: slipway:aws.nodeGroups: do not fit the catalog: CPU: the catalog "
        "needs",
        "capacity at max replicas plus rollout surge:",
    )


def test_the_capacity_table_is_logged_on_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda message, *a, **k: logged.append(message))
    run_prod()
    table = next(m for m in logged if m.startswith("capacity at max replicas plus rollout"))
    assert re.search(r"^fulfillment-worker +50 +0\.500", table, re.MULTILINE)
    assert re.search(r"^general \(m6i\.2xlarge\) +6 +7\.710", table, re.MULTILINE)
    assert re.search(r"^burst \(m6a\.2xlarge, spot\) ", table, re.MULTILINE)


def test_refuses_kubernetes_target_alongside_aws() -> None:
    config = prod_config(ROOT)
    config["slipway:kubernetes"] = {"renderDir": "out/prod"}
    expect_refused(config, "Pulumi.prod.yaml: slipway:kubernetes: must be left out when aws "
                   "is set")


def test_refuses_aws_without_a_secret_store() -> None:
    config = prod_config(ROOT)
    del config["slipway:secretStore"]
    expect_refused(config, "Pulumi.prod.yaml: slipway:secretStore: is required when aws is set")


def test_public_endpoint_restricted_to_listed_networks() -> None:
    registry = run_prod(with_aws(endpoint={"public": True, "publicCidrs": ["203.0.113.0/24"]}))
    vpc = registry.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["endpointPrivateAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_world_open_endpoint_only_when_explicitly_allowed() -> None:
    registry = run_prod(with_aws(endpoint={"public": True, "publicCidrs": ["0.0.0.0/0"],
                                           "allowWorld": True}))
    vpc = registry.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["publicAccessCidrs"] == ["0.0.0.0/0"]


def test_single_nat_gateway_shared_by_every_zone() -> None:
    registry = run_prod(with_aws(nat="single", zones=["eu-west-1a", "eu-west-1b",
                                                      "eu-west-1c"]))
    assert len(registry.of_type("aws:ec2/natGateway:NatGateway")) == 1
    routes = {t.inputs["routes"][0]["natGatewayId"] for t in registry.of_type(
        "aws:ec2/routeTable:RouteTable") if "private" in t.name}
    assert len(routes) == 1
    # Zones given in settings: no lookup.
    assert not [c for c in registry.calls if "getAvailabilityZones" in c[0]]


def test_flow_logs_to_s3_need_no_role() -> None:
    registry = run_prod(with_aws(flowLogs={"destination": "s3",
                                           "bucketArn": "arn:aws:s3:::shop-flow-logs"}))
    flow = registry.one("aws:ec2/flowLog:FlowLog").inputs
    assert (flow["logDestinationType"], flow["logDestination"]) == (
        "s3", "arn:aws:s3:::shop-flow-logs")
    assert "iamRoleArn" not in flow
    assert "slipway-prod-network-flow-logs" not in by_name(registry, "aws:iam/role:Role")
