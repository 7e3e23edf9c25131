"""Platform components one by one (knobs and refusals) and the `slipway:aws` settings model."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from stack_fixtures import settings_from

from aws_mocks import AwsMocks, policy_document
from microservice_fixtures import SERVICE_ACCOUNT, render, spec
from mocking import Registry, run_under_mocks
from slipway import Environment, Microservice, MicroserviceArgs, SpecError
from slipway.platform import (
    Cluster,
    ClusterArgs,
    Network,
    NetworkArgs,
    NodeGroupSpec,
    PlatformArgs,
    SecretsStore,
    SecretsStoreArgs,
    ServiceRole,
    ServiceRoleArgs,
    ServiceRolePlan,
)
from slipway.spec.catalog import Catalog
from slipway.stack import StackSettings
from slipway.stack.defaults import default_of
from slipway.stack.program import platform_args

ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
GROUP = NodeGroupSpec(name="general", instance_type="m6i.large", min_size=1, max_size=3,
                      desired_size=1)


def cluster_args(**changes: Any) -> ClusterArgs:
    base: dict[str, Any] = {"name": "c1", "region": "eu-west-1", "subnet_ids": ["s1", "s2"],
                            "node_groups": [GROUP]}
    return ClusterArgs(**{**base, **changes})


def build(fn: Any) -> AwsMocks:
    registry = AwsMocks()
    run_under_mocks(fn, stack="prod", registry=registry)
    return registry


# -- Network ------------------------------------------------------------------------------


def test_network_defaults_per_zone_nat_and_cloudwatch_flow_logs() -> None:
    registry = build(lambda: Network("n", NetworkArgs(region="eu-west-1", zones=ZONES,
                                                     cluster_name="c1")))
    assert len(registry.of_type("aws:ec2/natGateway:NatGateway")) == 3
    assert registry.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.0.0.0/16"
    assert registry.one("aws:ec2/flowLog:FlowLog").inputs["logDestinationType"] == \
        "cloud-watch-logs"
    component = registry.one("slipway:platform:Network")
    assert all(r.parent == component.urn for r in registry if r.type.startswith("aws:"))


def test_network_shared_cluster_tag() -> None:
    registry = build(lambda: Network("n", NetworkArgs(
        region="eu-west-1", zones=ZONES, cluster_name="c1", cluster_ownership="shared",
        tags={"team": "platform"})))
    for subnet in registry.of_type("aws:ec2/subnet:Subnet"):
        tags = subnet.inputs["tags"]
        assert tags["team"] == "platform"
        if tags["slipway.dev/tier"] != "intra":
            assert tags["kubernetes.io/cluster/c1"] == "shared"


def test_network_refuses_s3_flow_logs_without_a_bucket() -> None:
    registry = AwsMocks()
    with pytest.raises(ValueError, match="flow_logs is s3: flow_log_bucket_arn is required"):
        run_under_mocks(lambda: Network("n", NetworkArgs(
            region="eu-west-1", zones=ZONES, cluster_name="c1", flow_logs="s3")),
            registry=registry)
    assert len(registry) == 0


def test_network_refuses_two_zones() -> None:
    registry = AwsMocks()
    with pytest.raises(ValueError, match="need exactly 3 availability zones"):
        run_under_mocks(lambda: Network("n", NetworkArgs(
            region="eu-west-1", zones=ZONES[:2], cluster_name="c1")), registry=registry)
    assert len(registry) == 0


# -- Cluster ------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "message"), [
    ({"node_groups": []}, "c1: node_groups: at least one node group is required"),
    ({"node_groups": [NodeGroupSpec("g", "m6i.large", 0, 0, 0)]},
     r"c1: node group g: sizes must satisfy min <= desired <= max and max >= 1"),
    ({"node_groups": [NodeGroupSpec("g", "m6i.large", 2, 3, 1)]},
     r"got 2, 1, 3"),
    ({"endpoint_public": True}, "c1: endpoint_public needs public_access_cidrs"),
    ({"public_access_cidrs": ["203.0.113.0/24"]},
     "c1: public_access_cidrs given but endpoint_public is False"),
    ({"endpoint_public": True, "public_access_cidrs": ["0.0.0.0/0"]},
     "c1: public_access_cidrs: 0.0.0.0/0 opens the Kubernetes API to the whole internet"),
])
def test_cluster_refuses(changes: dict[str, Any], message: str) -> None:
    registry = AwsMocks()
    with pytest.raises(ValueError, match=message):
        run_under_mocks(lambda: Cluster("c", cluster_args(**changes)), registry=registry)
    assert len(registry) == 0


def test_cluster_without_admins_creates_no_access_entries() -> None:
    registry = build(lambda: Cluster("c", cluster_args()))
    assert registry.of_type("aws:eks/accessEntry:AccessEntry") == []
    cluster = registry.one("aws:eks/cluster:Cluster").inputs
    assert cluster["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is False
    node_group = registry.one("aws:eks/nodeGroup:NodeGroup").inputs
    assert node_group["labels"] == {"slipway.dev/capacity": "on-demand"}
    assert node_group["updateConfig"] == {"maxUnavailable": 1}
    component = registry.one("slipway:platform:Cluster")
    assert all(r.parent == component.urn for r in registry
               if r.type.startswith(("aws:", "pulumi:providers:kubernetes")))


def test_cluster_world_access_when_explicitly_allowed() -> None:
    registry = build(lambda: Cluster("c", cluster_args(
        endpoint_public=True, public_access_cidrs=["0.0.0.0/0"], allow_world=True)))
    vpc = registry.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["publicAccessCidrs"] == ["0.0.0.0/0"]


# -- ServiceRole and SecretsStore ---------------------------------------------------------


def test_service_role_without_statements_is_refused() -> None:
    registry = AwsMocks()
    with pytest.raises(ValueError, match=r"api: aws\.permissions: a role needs at least one "
                       "statement"):
        run_under_mocks(lambda: ServiceRole("r", ServiceRoleArgs(
            plan=ServiceRolePlan("api", "ns", "api", ()), oidc_provider_arn="arn",
            oidc_issuer="https://issuer")), registry=registry)
    assert len(registry) == 0


def test_service_role_trust_and_policy() -> None:
    plan = ServiceRolePlan("api", "apps", "api",
                           ((("sqs:ReceiveMessage", "sqs:DeleteMessage"),
                             ("arn:aws:sqs:eu-west-1:123456789012:jobs",)),))
    registry = build(lambda: ServiceRole("r", ServiceRoleArgs(
        plan=plan, oidc_provider_arn="arn:aws:iam::123456789012:oidc-provider/o.example/id/1",
        oidc_issuer="https://o.example/id/1")))
    role = registry.one("aws:iam/role:Role")
    trust = policy_document(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {
        "o.example/id/1:sub": "system:serviceaccount:apps:api",
        "o.example/id/1:aud": "sts.amazonaws.com"}
    policy = policy_document(registry.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert policy["Statement"] == [{"Effect": "Allow",
                                    "Action": ["sqs:DeleteMessage", "sqs:ReceiveMessage"],
                                    "Resource": ["arn:aws:sqs:eu-west-1:123456789012:jobs"]}]


@pytest.mark.parametrize("prefix", ["", "slipway/", "slipway/*"])
def test_secrets_store_refuses_a_bad_prefix(prefix: str) -> None:
    registry = AwsMocks()
    with pytest.raises(ValueError, match="key_prefix must be a path such as slipway/prod"):
        run_under_mocks(lambda: SecretsStore("s", SecretsStoreArgs(
            region="eu-west-1", key_prefix=prefix, services=["a"], oidc_provider_arn="arn",
            oidc_issuer="https://issuer")), registry=registry)
    assert len(registry) == 0


# -- Microservice: the role ARN reaches the ServiceAccount ---------------------------------


def test_service_account_has_no_role_annotation_by_default() -> None:
    account = render(spec()).one(SERVICE_ACCOUNT)
    assert "annotations" not in account.inputs["metadata"]


def test_iam_role_arn_becomes_the_irsa_annotation() -> None:
    arn = "arn:aws:iam::123456789012:role/api"

    def program() -> None:
        env = Environment(name="prod", namespace="apps")
        Microservice("api", MicroserviceArgs(spec=spec(), environment=env, namespace="apps",
                                             iam_role_arn=pulumi.Output.from_input(arn)))

    registry: Registry = run_under_mocks(program)
    account = registry.one(SERVICE_ACCOUNT)
    assert account.k8s_name == "api"
    assert account.inputs["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": arn}


# -- settings: slipway:aws ----------------------------------------------------------------

GROUPS = [{"name": "general", "instanceType": "m6i.large", "minSize": 1, "maxSize": 3,
           "desiredSize": 1}]


def parse_aws(**aws: Any) -> StackSettings:
    return settings_from({
        "environment": "prod", "secretStore": {"name": "aws"},
        "aws": {"region": "eu-west-1", "nodeGroups": GROUPS, **aws},
    }, "Pulumi.prod.yaml")


FALLS_THROUGH = ("vpc_cidr", "service_cidr", "nat", "cluster_version", "endpoint_public",
                 "public_access_cidrs", "allow_world", "admin_principals", "flow_logs",
                 "flow_log_retention_days")


def aws_platform_args(**aws: Any) -> PlatformArgs:
    settings = parse_aws(**aws)
    assert settings.aws is not None
    return platform_args(settings.aws, list(ZONES), Catalog({}), settings.to_environment(), None)


def test_aws_settings_left_out_fall_through_to_the_platform_args_defaults() -> None:
    args = aws_platform_args()
    for name in FALLS_THROUGH:
        assert getattr(args, name) == default_of(PlatformArgs, name), name
    group = args.node_groups[0]
    assert (group.capacity_type, group.disk_size_gib) == (
        default_of(NodeGroupSpec, "capacity_type"), default_of(NodeGroupSpec, "disk_size_gib"))


def test_aws_settings_that_are_set_reach_the_platform_args() -> None:
    args = aws_platform_args(vpcCidr="10.8.0.0/16", clusterVersion="1.32", nat="single",
                             flowLogs={"retentionDays": 30},
                             endpoint={"public": True, "publicCidrs": ["203.0.113.0/24"]})
    assert (args.vpc_cidr, args.cluster_version, args.nat, args.flow_log_retention_days) == (
        "10.8.0.0/16", "1.32", "single", 30)
    assert (args.endpoint_public, args.public_access_cidrs) == (True, ("203.0.113.0/24",))


def test_the_service_cidr_is_checked_against_the_default_vpc_block() -> None:
    with pytest.raises(SpecError, match=r"slipway:aws.serviceCidr: 10.0.0.0/20 overlaps vpcCidr "
                       r"10.0.0.0/16"):
        parse_aws(serviceCidr="10.0.0.0/20")


@pytest.mark.parametrize(("aws", "message"), [
    ({"region": "Ireland"}, "slipway:aws.region: string should match pattern"),
    ({"vpcCidr": "8.8.0.0/16"}, "slipway:aws.vpcCidr: must be in private address space"),
    ({"vpcCidr": "10.0.0.0/24"}, "slipway:aws.vpcCidr: must be a /16 to /20 (got /24)"),
    ({"vpcCidr": "10.0.0.1/16"},
     "slipway:aws.vpcCidr: has host bits set (got '10.0.0.1/16'); did you mean 10.0.0.0/16?"),
    ({"vpcCidr": "10.0.0.0/16", "serviceCidr": "10.0.0.0/20"},
     "slipway:aws.serviceCidr: 10.0.0.0/20 overlaps vpcCidr 10.0.0.0/16"),
    ({"zones": ["eu-west-1a", "eu-west-1a", "eu-west-1b"]},
     "slipway:aws.zones: must name exactly three different availability zones"),
    ({"zones": ["us-east-1a", "us-east-1b", "us-east-1c"]},
     "slipway:aws.zones: 'us-east-1a' is not a zone of eu-west-1"),
    ({"nat": "none"}, "slipway:aws.nat:"),
    ({"adminPrincipals": ["admin"]},
     "slipway:aws.adminPrincipals: 'admin' is not an IAM role or user ARN"),
    ({"nodeGroups": []}, "slipway:aws.nodeGroups: list should have at least 1 item"),
    ({"nodeGroups": [*GROUPS, *GROUPS]},
     "slipway:aws.nodeGroups: names must be unique (repeated: general)"),
    ({"nodeGroups": [{**GROUPS[0], "desiredSize": 5}]},
     "slipway:aws.nodeGroups[0].desiredSize: must satisfy minSize <= desiredSize <= maxSize "
     "(got 1 <= 5 <= 3)"),
    ({"nodeGroups": [{**GROUPS[0], "capacityType": "spot"}]},
     "slipway:aws.nodeGroups[0].capacityType:"),
    ({"nodeGroups": [{**GROUPS[0], "instanceType": "large"}]},
     "slipway:aws.nodeGroups[0].instanceType: must be an EC2 instance type"),
    ({"endpoint": {"public": True}}, "slipway:aws.endpoint.publicCidrs: is required when "
     "public is true"),
    ({"endpoint": {"publicCidrs": ["203.0.113.0/24"]}},
     "slipway:aws.endpoint.public: is false, so publicCidrs would be ignored"),
    ({"endpoint": {"public": True, "publicCidrs": ["203.0.113.7/24"]}},
     "slipway:aws.endpoint.publicCidrs: has host bits set"),
    ({"flowLogs": {"destination": "s3"}}, "slipway:aws.flowLogs.bucketArn: is required when "
     "destination is s3"),
    ({"flowLogs": {"retentionDays": 45}},
     "slipway:aws.flowLogs.retentionDays: must be a CloudWatch retention period (got 45)"),
    ({"clusterVersion": "1.9"}, "slipway:aws.clusterVersion: string should match pattern"),
    ({"nodeGroup": []}, "slipway:aws.nodeGroup: unknown field"),
])
def test_aws_settings_refuse(aws: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_aws(**aws)
    assert f"Pulumi.prod.yaml: {message}" in str(caught.value), str(caught.value)
