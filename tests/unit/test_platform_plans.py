"""Pure platform plans: subnet CIDR math and tags, capacity arithmetic, cross-layer checks,
IAM documents. No Pulumi here: these run before anything is registered."""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from typing import Any

import pytest

from microservice_fixtures import spec
from slipway import Catalog, Environment, SpecError
from slipway.platform import iam_policies
from slipway.platform.service_roles import ServiceRolePlan, plan_service_roles
from slipway.platform.subnets import check_subnets, plan_subnets, subnet_tags
from slipway.stack import capacity
from slipway.stack.capacity import NodePool, allocatable, capacity_report, check_capacity
from slipway.stack.checks import check_platform, check_public_subnets, check_role_trust

ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
PROD = Environment(name="prod", namespace="slipway-prod", max_surge="25%")
S3_READ = {"permissions": [{"actions": ["s3:GetObject"],
                            "resources": ["arn:aws:s3:::invoices/*"]}]}


def catalog(*services: Any) -> Catalog:
    return Catalog({s.name: s for s in services},
                   {s.name: f"services/{s.name}.yaml" for s in services})


# -- subnets ------------------------------------------------------------------------------


@pytest.mark.parametrize("vpc", ["10.0.0.0/16", "10.40.0.0/16", "172.16.0.0/18",
                                 "192.168.0.0/20"])
def test_subnets_are_inside_the_vpc_and_disjoint(vpc: str) -> None:
    plans = plan_subnets(vpc, ZONES)
    network = ipaddress.IPv4Network(vpc)
    blocks = [ipaddress.IPv4Network(p.cidr) for p in plans]
    assert len(blocks) == 9
    assert all(b.subnet_of(network) for b in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1:])
    assert check_subnets(vpc, [p.cidr for p in plans]) == []


def test_subnet_layout_for_a_slash_16_by_hand() -> None:
    plans = {p.key: p.cidr for p in plan_subnets("10.0.0.0/16", ZONES)}
    assert plans == {
        "private-a": "10.0.0.0/19", "private-b": "10.0.32.0/19", "private-c": "10.0.64.0/19",
        "public-a": "10.0.96.0/22", "public-b": "10.0.100.0/22", "public-c": "10.0.104.0/22",
        "intra-a": "10.0.108.0/22", "intra-b": "10.0.112.0/22", "intra-c": "10.0.116.0/22",
    }


def test_each_zone_gets_one_subnet_per_tier() -> None:
    plans = plan_subnets("10.0.0.0/16", ZONES)
    assert sorted((p.tier, p.zone) for p in plans) == sorted(
        (tier, zone) for tier in ("public", "private", "intra") for zone in ZONES)


def test_plan_refuses_two_zones() -> None:
    with pytest.raises(ValueError, match=r"need exactly 3 availability zones \(got 2: a, b\)"):
        plan_subnets("10.0.0.0/16", ["a", "b"])


def test_check_finds_overlap_outside_and_too_small() -> None:
    problems = check_subnets("10.0.0.0/16", ["10.0.0.0/19", "10.0.16.0/20", "10.1.0.0/24",
                                             "10.0.200.0/29"])
    assert problems == [
        "subnet 10.1.0.0/24 is not inside the VPC block 10.0.0.0/16",
        "subnet 10.0.200.0/29 is smaller than /28, the smallest AWS allows",
        "subnets 10.0.0.0/19 and 10.0.16.0/20 overlap",
    ]


def test_subnet_tags_per_tier() -> None:
    assert subnet_tags("public", "c1", "owned", "n") == {
        "Name": "n", "slipway.dev/tier": "public", "kubernetes.io/role/elb": "1",
        "kubernetes.io/cluster/c1": "owned"}
    assert subnet_tags("private", "c1", "shared", "n") == {
        "Name": "n", "slipway.dev/tier": "private", "kubernetes.io/role/internal-elb": "1",
        "kubernetes.io/cluster/c1": "shared"}
    assert subnet_tags("intra", "c1", "owned", "n") == {"Name": "n", "slipway.dev/tier": "intra"}


# -- capacity, by hand --------------------------------------------------------------------


def small_catalog() -> Catalog:
    return catalog(
        # 10 max + ceil(25% of 10) = 13 pods of 500m / 1Gi -> 6.5 cores, 13 GiB
        spec(name="api", resources={"cpu": "500m", "memory": "1Gi"},
             scaling={"min": 2, "max": 10}),
        # 4 max + surge 1 = 5 pods of 250m / 512Mi -> 1.25 cores, 2.5 GiB
        spec(name="worker", resources={"cpu": "250m", "memory": "512Mi"},
             scaling={"min": 1, "max": 4}, release={"maxSurge": 1}),
    )


def test_allocatable_of_an_m6i_xlarge_by_hand() -> None:
    node = allocatable("m6i.xlarge")
    # 4 cores - kube-reserved (60m + 10m + 2 x 5m = 80m) - DaemonSets 200m
    assert node.cpu == Decimal("3.72")
    # 16384Mi - (255Mi + 11Mi x 58 pods) - 100Mi eviction - 256Mi DaemonSets = 15135Mi
    assert node.memory == 15135 * 2**20
    assert node.pods == 58


def test_kube_reserved_cpu_follows_the_eks_formula() -> None:
    assert capacity.kube_reserved_cpu(2) == Decimal("0.07")
    assert capacity.kube_reserved_cpu(8) == Decimal("0.09")
    assert capacity.kube_reserved_cpu(16) == Decimal("0.11")


def test_capacity_table_figures_by_hand() -> None:
    report = capacity_report(small_catalog(), PROD, [NodePool("general", "m6i.xlarge", 3)])
    assert report.pods_needed == 18
    assert report.cpu_needed == Decimal("7.75")
    assert report.memory_needed == Decimal("15.5") * 2**30
    assert report.cpu_available == Decimal("11.16")   # 3 x 3.72
    assert report.memory_available == 45405 * 2**20  # 3 x 15135Mi
    assert report.pods_available == 174
    assert report.problems() == []
    assert report.table().splitlines() == [
        "service                    pods   cpu/pod   mem/pod GiB     cpu  mem GiB",
        "api                          13     0.500          1.00   6.500    13.00",
        "worker                        5     0.250          0.50   1.250     2.50",
        "total                        18                           7.750    15.50",
        "",
        "node group            max nodes  cpu/node  mem/node GiB     cpu  mem GiB",
        "general (m6i.xlarge)          3     3.720         14.78  11.160    44.34",
        "total                                                    11.160    44.34",
    ]


def test_capacity_refuses_with_the_table_when_the_catalog_does_not_fit() -> None:
    # m6i.large: 2 - 0.07 - 0.2 = 1.73 cores, 8192 - (255 + 319) - 100 - 256 = 7262Mi each.
    with pytest.raises(SpecError) as caught:
        check_capacity(small_catalog(), PROD, [NodePool("general", "m6i.large", 2)],
                       "Pulumi.prod.yaml")
    problems = caught.value.problems
    assert problems[:2] == [
        "Pulumi.prod.yaml: slipway:aws.nodeGroups: do not fit the catalog: CPU: the catalog "
        "needs 7.750 cores at max replicas plus surge, the node groups give 3.460",
        "Pulumi.prod.yaml: slipway:aws.nodeGroups: do not fit the catalog: memory: the catalog "
        "needs 15.50 GiB at max replicas plus surge, the node groups give 14.18 GiB",
    ]
    assert problems[2] == "capacity at max replicas plus rollout surge:"
    assert any(line.startswith("general (m6i.large)") for line in problems[3:])


def test_capacity_refuses_a_pod_larger_than_any_node() -> None:
    big = catalog(spec(name="big", resources={"cpu": "4", "memory": "1Gi"},
                       scaling={"min": 1, "max": 1}))
    with pytest.raises(SpecError, match=r"big: one pod requests 4.000 cores and 1.00 GiB, more "
                       r"than any node can give \(3.720 cores, 14.78 GiB\)"):
        check_capacity(big, PROD, [NodePool("general", "m6i.xlarge", 10)], "Pulumi.prod.yaml")


def test_capacity_refuses_unknown_instance_types_listing_the_known_ones() -> None:
    with pytest.raises(SpecError) as caught:
        check_capacity(small_catalog(), PROD, [NodePool("odd", "m6i.24xlarge", 2),
                                               NodePool("new", "z9q.large", 2)], "P.yaml")
    assert caught.value.problems == [
        "P.yaml: slipway:aws.nodeGroups.odd.instanceType: instance type 'm6i.24xlarge' is not "
        "in the capacity table; known sizes: m6i.2xlarge, m6i.4xlarge, m6i.8xlarge, "
        "m6i.large, m6i.xlarge (add it to slipway.stack.capacity.INSTANCE_TYPES with its "
        "vCPU, memory and max pods)",
        "P.yaml: slipway:aws.nodeGroups.new.instanceType: instance type 'z9q.large' is not in "
        "the capacity table; known families: c5, c6a, c6i, c7g, m5, m6a, m6i, m7g, m7i, r5, "
        "r6i, r7g, t3 (add it to slipway.stack.capacity.INSTANCE_TYPES with its vCPU, "
        "memory and max pods)",
    ]


def test_surge_rounds_a_percentage_up() -> None:
    service = spec(scaling={"min": 1, "max": 3})
    assert capacity.surge_pods(service, PROD) == 1  # 25% of 3 = 0.75 -> 1
    assert capacity.surge_pods(service, Environment(name="dev", namespace="d", max_surge=2)) == 2


def test_a_release_adds_its_strategy_s_extra_pods() -> None:
    rolling = spec(scaling={"min": 2, "max": 8})
    assert capacity.release_pods(rolling, PROD) == 2  # 25% of 8
    canary = spec(scaling={"min": 2, "max": 8}, release={"strategy": "canary",
                                                        "canaryReplicas": 3})
    assert capacity.release_pods(canary, PROD) == 3  # more canary pods than surge
    assert capacity.release_pods(spec(scaling={"min": 2, "max": 8},
                                      release={"strategy": "canary"}), PROD) == 2
    blue_green = spec(scaling={"min": 2, "max": 8}, release={"strategy": "blue-green"})
    assert capacity.release_pods(blue_green, PROD) == 8  # a whole second slot


# -- cross-layer checks -------------------------------------------------------------------


def public_catalog() -> Catalog:
    return catalog(spec(name="web", exposure={"public": True, "host": "shop.example.com"}))


def test_public_service_finds_elb_tagged_public_subnets() -> None:
    plans = plan_subnets("10.0.0.0/16", ZONES)
    assert check_public_subnets(public_catalog(), plans, "c1", "P.yaml") == []


def test_public_service_without_public_subnets_is_refused() -> None:
    plans = [p for p in plan_subnets("10.0.0.0/16", ZONES) if p.tier != "public"]
    assert check_public_subnets(public_catalog(), plans, "c1", "P.yaml") == [
        "P.yaml: slipway:aws: public services (web) need a public subnet tagged "
        "kubernetes.io/role/elb=1 in each of 3 zones; found 0 (none)"]
    # No public service, no need.
    assert check_public_subnets(catalog(spec(name="api")), plans, "c1", "P.yaml") == []


def test_role_trust_names_the_service_account_the_service_runs_as() -> None:
    services = catalog(spec(name="orders", aws=S3_READ), spec(name="web"))
    roles = plan_service_roles(services, PROD.namespace)
    assert sorted(roles) == ["orders"]  # no role for a service without permissions
    assert roles["orders"].service_account == "orders"
    assert check_role_trust(services, PROD, roles) == []


def test_role_trusting_another_service_account_is_refused() -> None:
    services = catalog(spec(name="orders", aws=S3_READ))
    wrong = {"orders": ServiceRolePlan("orders", "slipway-prod", "default",
                                       ((("s3:GetObject",), ("arn:aws:s3:::invoices/*",)),))}
    assert check_role_trust(services, PROD, wrong) == [
        "services/orders.yaml: aws.permissions: role trusts "
        "system:serviceaccount:slipway-prod:default, but the service runs as "
        "system:serviceaccount:slipway-prod:orders"]
    other_namespace = {"orders": ServiceRolePlan("orders", "slipway-dev", "orders", ())}
    assert "runs as system:serviceaccount:slipway-prod:orders" in check_role_trust(
        services, PROD, other_namespace)[0]


def test_check_platform_raises_every_problem_before_capacity() -> None:
    services = public_catalog()
    with pytest.raises(SpecError, match="public services"):
        check_platform(services, PROD, plan=[], cluster_name="c1", roles={},
                       pools=[NodePool("g", "m6i.xlarge", 3)], source="P.yaml")


# -- IAM documents ------------------------------------------------------------------------


def test_irsa_trust_conditions_are_exact() -> None:
    trust = iam_policies.irsa_trust("arn:aws:iam::1:oidc-provider/oidc.example/id/X",
                                    "https://oidc.example/id/X", "ns", "sa")
    assert trust["Statement"] == [{
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/oidc.example/id/X"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"oidc.example/id/X:sub": "system:serviceaccount:ns:sa",
                                       "oidc.example/id/X:aud": "sts.amazonaws.com"}},
    }]
    assert iam_policies.trusted_subjects(trust) == ["system:serviceaccount:ns:sa"]
