"""Network: a VPC across three availability zones for an EKS cluster.

Creates, all parented to the component: the VPC, an internet gateway, public, private and
intra subnets per zone (CIDRs from `subnets.plan_subnets`), NAT gateways (one per zone or one
shared), route tables, VPC flow logs (CloudWatch with a delivery role, or S3), an S3 gateway
endpoint and ECR api/dkr interface endpoints with their security group.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from . import iam_policies
from .subnets import ZONE_COUNT, SubnetPlan, Tier, plan_subnets, subnet_tags

TYPE_TOKEN = "slipway:platform:Network"


@dataclass(frozen=True)
class NetworkArgs:
    """The VPC's shape; only `region`, `zones` and `cluster_name` are required."""

    region: str
    """AWS region, e.g. eu-west-1: names the endpoint services (com.amazonaws.<region>.s3)."""
    zones: Sequence[str]
    """Exactly three availability zones (`availability_zones()` finds them)."""
    cluster_name: str
    """The EKS cluster that uses these subnets: goes into the kubernetes.io/cluster tag."""
    cidr: str = "10.0.0.0/16"
    """VPC block, /16 to /20; every subnet is cut from it. Default 10.0.0.0/16."""
    cluster_ownership: Literal["owned", "shared"] = "owned"
    """`owned`: the cluster may delete what it tags here; `shared`: other clusters use the VPC
    too. Default owned."""
    nat: Literal["per-zone", "single"] = "per-zone"
    """per-zone (default): a NAT gateway per zone, so a zone outage keeps the others' egress;
    single: one shared NAT gateway (cheaper, one zone's failure cuts everyone's egress)."""
    flow_logs: Literal["cloudwatch", "s3"] = "cloudwatch"
    """Where VPC flow logs go. Default cloudwatch (a log group and a delivery role)."""
    flow_log_retention_days: int = 90
    """CloudWatch retention for flow logs. Default 90 days."""
    flow_log_bucket_arn: str | None = None
    """S3 bucket ARN; required when flow_logs is s3."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every resource. Default none (the provider's default tags still apply)."""


def availability_zones(region: str, configured: Sequence[str] | None) -> list[str]:
    """The configured zones, or the first three available zones the account sees in
    `region` (sorted, so the choice is stable between runs)."""
    if configured is not None:
        return list(configured)
    found = sorted(aws.get_availability_zones(state="available", region=region).names)
    if len(found) < ZONE_COUNT:
        raise ValueError(
            f"{region} offers {len(found)} available zones ({', '.join(found) or 'none'}); "
            f"the network needs {ZONE_COUNT}"
        )
    return found[:ZONE_COUNT]


def _check(args: NetworkArgs) -> None:
    if args.flow_logs == "s3" and args.flow_log_bucket_arn is None:
        raise ValueError("flow_logs is s3: flow_log_bucket_arn is required")


class Network(pulumi.ComponentResource):
    """A three-zone VPC with the subnets, routes, tags and endpoints EKS needs."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    intra_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        _check(args)
        # Plain values, planned (and checked) before the component registers.
        self.plan: list[SubnetPlan] = plan_subnets(args.cidr, args.zones)
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._name, self._args = name, args

        vpc = aws.ec2.Vpc(
            f"{name}-vpc", cidr_block=args.cidr, enable_dns_support=True,
            enable_dns_hostnames=True,  # interface endpoints' private DNS needs both
            tags=self._tags(f"{name}-vpc"), opts=self._opts(),
        )
        self.vpc_id = vpc.id
        subnets = {
            plan.key: aws.ec2.Subnet(
                f"{name}-{plan.key}", vpc_id=vpc.id, cidr_block=plan.cidr,
                availability_zone=plan.zone,
                map_public_ip_on_launch=False,  # nothing gets a public IP by accident
                tags=self._tags(f"{name}-{plan.key}", **subnet_tags(
                    plan.tier, args.cluster_name, args.cluster_ownership, f"{name}-{plan.key}")),
                opts=self._opts(),
            )
            for plan in self.plan
        }
        self.public_subnet_ids = self._ids(subnets, "public")
        self.private_subnet_ids = self._ids(subnets, "private")
        self.intra_subnet_ids = self._ids(subnets, "intra")

        route_tables = self._routes(vpc, subnets)
        self._flow_logs(vpc)
        self._endpoints(vpc, route_tables)

        self.register_outputs({
            "vpcId": self.vpc_id,
            "publicSubnetIds": self.public_subnet_ids,
            "privateSubnetIds": self.private_subnet_ids,
            "intraSubnetIds": self.intra_subnet_ids,
            "subnetCidrs": {plan.key: plan.cidr for plan in self.plan},
        })

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _tags(self, name: str, **extra: str) -> dict[str, str]:
        return {**self._args.tags, "Name": name, **extra}

    def _ids(self, subnets: Mapping[str, aws.ec2.Subnet], tier: Tier) -> list[pulumi.Output[str]]:
        return [subnets[p.key].id for p in self.plan if p.tier == tier]

    def _plans(self, tier: Tier) -> list[SubnetPlan]:
        return [p for p in self.plan if p.tier == tier]

    def _routes(self, vpc: aws.ec2.Vpc,
                subnets: Mapping[str, aws.ec2.Subnet]) -> list[aws.ec2.RouteTable]:
        """Public: to the internet gateway. Private: to a NAT gateway. Intra: VPC only.
        Returns the private and intra tables (the S3 gateway endpoint adds routes to them)."""
        name, args = self._name, self._args
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id,
                                      tags=self._tags(f"{name}-igw"), opts=self._opts())
        public = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            tags=self._tags(f"{name}-public"), opts=self._opts(),
        )
        for plan in self._plans("public"):
            aws.ec2.RouteTableAssociation(f"{name}-{plan.key}", subnet_id=subnets[plan.key].id,
                                          route_table_id=public.id, opts=self._opts())

        nat_zones = self._plans("public") if args.nat == "per-zone" else self._plans("public")[:1]
        nats = []
        for plan in nat_zones:
            eip = aws.ec2.Eip(f"{name}-nat-{plan.key}", domain="vpc",
                              tags=self._tags(f"{name}-nat-{plan.key}"), opts=self._opts())
            nats.append(aws.ec2.NatGateway(
                f"{name}-nat-{plan.key}", allocation_id=eip.id, subnet_id=subnets[plan.key].id,
                tags=self._tags(f"{name}-nat-{plan.key}"),
                opts=self._opts(depends_on=[igw]),  # a NAT gateway needs the IGW attached
            ))

        tables = []
        for plan in self._plans("private"):
            nat = nats[plan.zone_index] if args.nat == "per-zone" else nats[0]
            table = aws.ec2.RouteTable(
                f"{name}-{plan.key}", vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0",
                                                    nat_gateway_id=nat.id)],
                tags=self._tags(f"{name}-{plan.key}"), opts=self._opts(),
            )
            aws.ec2.RouteTableAssociation(f"{name}-{plan.key}", subnet_id=subnets[plan.key].id,
                                          route_table_id=table.id, opts=self._opts())
            tables.append(table)

        intra = aws.ec2.RouteTable(f"{name}-intra", vpc_id=vpc.id,
                                   tags=self._tags(f"{name}-intra"), opts=self._opts())
        for plan in self._plans("intra"):
            aws.ec2.RouteTableAssociation(f"{name}-{plan.key}", subnet_id=subnets[plan.key].id,
                                          route_table_id=intra.id, opts=self._opts())
        return [*tables, intra]

    def _flow_logs(self, vpc: aws.ec2.Vpc) -> None:
        name, args = self._name, self._args
        if args.flow_logs == "s3":
            aws.ec2.FlowLog(f"{name}-flow-logs", vpc_id=vpc.id, traffic_type="ALL",
                            log_destination_type="s3", log_destination=args.flow_log_bucket_arn,
                            tags=self._tags(f"{name}-flow-logs"), opts=self._opts())
            return
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", name=f"/slipway/vpc/{name}/flow-logs",
            retention_in_days=args.flow_log_retention_days,
            tags=self._tags(f"{name}-flow-logs"), opts=self._opts(),
        )
        invoke = pulumi.InvokeOutputOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=invoke)
        partition = aws.get_partition_output(opts=invoke)
        trust = pulumi.Output.all(partition.partition, identity.account_id).apply(
            lambda values: json.dumps(iam_policies.flow_log_trust(values[0], args.region,
                                                                  values[1])))
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=trust,
            tags=self._tags(f"{name}-flow-logs"), opts=self._opts(),
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs", role=role.id,
            policy=group.arn.apply(lambda arn: json.dumps(iam_policies.flow_log_delivery(arn))),
            opts=self._opts(),
        )
        aws.ec2.FlowLog(f"{name}-flow-logs", vpc_id=vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=group.arn,
                        iam_role_arn=role.arn, tags=self._tags(f"{name}-flow-logs"),
                        opts=self._opts())

    def _endpoints(self, vpc: aws.ec2.Vpc, route_tables: Sequence[aws.ec2.RouteTable]) -> None:
        """Image pulls stay inside AWS: ECR (api, dkr) through interface endpoints, its layers
        from S3 through a gateway endpoint; cheaper than NAT and never on the internet."""
        name, args = self._name, self._args
        aws.ec2.VpcEndpoint(
            f"{name}-s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=[t.id for t in route_tables],
            tags=self._tags(f"{name}-s3"), opts=self._opts(),
        )
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints", vpc_id=vpc.id,
            description="HTTPS from inside the VPC to the interface endpoints",
            ingress=[aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=443, to_port=443, cidr_blocks=[args.cidr],
                description="HTTPS from the VPC")],
            tags=self._tags(f"{name}-endpoints"), opts=self._opts(),
        )
        for service in ("ecr.api", "ecr.dkr"):
            key = service.replace(".", "-")
            aws.ec2.VpcEndpoint(
                f"{name}-{key}", vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface", private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids, security_group_ids=[group.id],
                tags=self._tags(f"{name}-{key}"), opts=self._opts(),
            )
