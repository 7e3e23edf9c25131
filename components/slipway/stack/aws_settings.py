"""Stack settings for the AWS platform: the `slipway:aws` key of Pulumi.<stack>.yaml.

Validated with the rest of the stack settings (`StackSettings.aws`), so a bad value is reported
as `Pulumi.prod.yaml: slipway:aws.<field>: ...` before any resource is registered.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..platform.cluster import NodeGroupSpec
from ..platform.platform import PlatformArgs
from ..spec.validation import DNS_LABEL, FieldError, SpecModel
from .defaults import default_of, left_out

REGION = r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"
# family+generation[+attributes].size: m6i.large, c7g.2xlarge, r6a.metal.
INSTANCE_TYPE = re.compile(
    r"^[a-z]+[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|[0-9]*xlarge|metal)$"
)
IAM_PRINCIPAL = re.compile(r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+$")
# The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)
WORLD = ("0.0.0.0/0", "::/0")


def _network(value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        try:
            loose = ipaddress.IPv4Network(value, strict=False)
        except ValueError:
            raise ValueError(
                f"must be an IPv4 network in CIDR form such as 10.0.0.0/16 (got {value!r})"
            ) from None
        raise ValueError(f"has host bits set (got {value!r}); did you mean {loose}?") from None


class EndpointSettings(SpecModel):
    """Who may reach the Kubernetes API. The private endpoint is always on."""

    public: bool | None = Field(
        default=None, description="Also expose a public endpoint (the private one is always "
        "on). " + left_out(PlatformArgs, "endpoint_public"),
    )
    public_cidrs: list[str] | None = Field(
        default=None,
        description="Networks allowed to reach the public endpoint; required when public.",
    )
    allow_world: bool | None = Field(
        default=None,
        description="Permit 0.0.0.0/0 in publicCidrs, so the API is never open to the whole "
        "internet by accident. " + left_out(PlatformArgs, "allow_world"),
    )

    @field_validator("public_cidrs")
    @classmethod
    def _cidrs(cls, values: list[str] | None) -> list[str] | None:
        for value in values or ():
            _network(value)
        return values

    @model_validator(mode="after")
    def _restricted(self) -> EndpointSettings:
        public = _or_default(self.public, "endpoint_public")
        allow_world = _or_default(self.allow_world, "allow_world")
        cidrs = self.public_cidrs or []
        if public and not cidrs:
            raise FieldError(
                "publicCidrs",
                "is required when public is true: list the networks allowed to reach the "
                "API, e.g. [203.0.113.0/24]",
            )
        if not public and cidrs:
            raise FieldError("public", "is false, so publicCidrs would be ignored: set "
                             "public: true or drop publicCidrs")
        open_to_world = [c for c in cidrs if c in WORLD]
        if open_to_world and not allow_world:
            raise FieldError(
                "publicCidrs",
                f"{open_to_world[0]} opens the Kubernetes API to the whole internet; list "
                "your own networks, or set allowWorld: true if that is really intended",
            )
        return self


class NodeGroupSettings(SpecModel):
    """One EKS managed node group."""

    name: str = Field(pattern=DNS_LABEL, max_length=40, description="Node group name.")
    instance_type: str = Field(description="EC2 instance type such as m6i.large.")
    capacity_type: Literal["ON_DEMAND", "SPOT"] | None = Field(
        default=None, description="ON_DEMAND or SPOT. " + left_out(NodeGroupSpec, "capacity_type")
    )
    min_size: int = Field(ge=0, le=1000, description="Fewest nodes.")
    max_size: int = Field(ge=1, le=1000, description="Most nodes (at least 1).")
    desired_size: int = Field(ge=0, le=1000, description="Nodes to start with.")
    disk_size_gib: int | None = Field(
        default=None, ge=20, le=16384,
        description="Root volume, GiB. " + left_out(NodeGroupSpec, "disk_size_gib"),
    )

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        if not INSTANCE_TYPE.match(value):
            raise ValueError(
                f"must be an EC2 instance type written family+generation.size, such as "
                f"m6i.large or c7g.2xlarge (got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _sizes(self) -> NodeGroupSettings:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise FieldError(
                "desiredSize",
                f"must satisfy minSize <= desiredSize <= maxSize (got {self.min_size} <= "
                f"{self.desired_size} <= {self.max_size})",
            )
        return self


class FlowLogSettings(SpecModel):
    """VPC flow logs: every accepted and rejected connection, for audits and incidents."""

    destination: Literal["cloudwatch", "s3"] | None = Field(
        default=None, description="cloudwatch (a log group) or s3. "
        + left_out(PlatformArgs, "flow_logs"),
    )
    retention_days: int | None = Field(
        default=None, description="CloudWatch retention in days. "
        + left_out(PlatformArgs, "flow_log_retention_days"),
    )
    bucket_arn: str | None = Field(
        default=None, pattern=r"^arn:aws(-[a-z]+)*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$",
        description="S3 bucket ARN; required when destination is s3.",
    )

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: int | None) -> int | None:
        if value is not None and value not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"must be a CloudWatch retention period (got {value}); one of "
                + ", ".join(str(d) for d in LOG_RETENTION_DAYS)
            )
        return value

    @model_validator(mode="after")
    def _bucket(self) -> FlowLogSettings:
        destination = _or_default(self.destination, "flow_logs")
        if destination == "s3" and self.bucket_arn is None:
            raise FieldError("bucketArn", "is required when destination is s3")
        if destination == "cloudwatch" and self.bucket_arn is not None:
            raise FieldError("destination", "is cloudwatch, so bucketArn would be ignored")
        return self


class AwsSettings(SpecModel):
    """The AWS platform: VPC across three zones, EKS, node groups, admins."""

    region: str = Field(pattern=REGION, description="AWS region, e.g. eu-west-1.")
    vpc_cidr: str | None = Field(
        default=None,
        description="VPC block, /16 to /20 in private address space; subnets are cut from "
        "it. " + left_out(PlatformArgs, "vpc_cidr"),
    )
    service_cidr: str | None = Field(
        default=None,
        description="Kubernetes Service addresses; must not overlap vpcCidr. "
        + left_out(PlatformArgs, "service_cidr"),
    )
    zones: list[str] | None = Field(
        default=None,
        description="Exactly three availability zones in the region. Left out: the first "
        "three available zones the account sees.",
    )
    nat: Literal["per-zone", "single"] | None = Field(
        default=None,
        description="per-zone: a NAT gateway in each zone, so losing a zone keeps egress; "
        "single: one shared gateway, cheaper. " + left_out(PlatformArgs, "nat"),
    )
    cluster_name: str = Field(default="slipway", pattern=DNS_LABEL, max_length=40,
                              description="EKS cluster name. Default slipway.")
    cluster_version: str | None = Field(
        default=None, pattern=r"^1\.[0-9]{2}$",
        description="Kubernetes version, e.g. 1.33. " + left_out(PlatformArgs, "cluster_version"),
    )
    endpoint: EndpointSettings = Field(default_factory=EndpointSettings)
    node_groups: list[NodeGroupSettings] = Field(
        min_length=1, description="Managed node groups (on-demand and spot)."
    )
    admin_principals: list[str] | None = Field(
        default=None,
        description="IAM role or user ARNs given cluster-admin through access entries. "
        + left_out(PlatformArgs, "admin_principals"),
    )
    flow_logs: FlowLogSettings = Field(default_factory=FlowLogSettings)

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc(cls, value: str | None) -> str | None:
        if value is None:
            return value
        network = _network(value)
        if not network.is_private:
            raise ValueError(f"must be in private address space such as 10.0.0.0/16 "
                             f"(got {value!r})")
        if not 16 <= network.prefixlen <= 20:
            raise ValueError(
                f"must be a /16 to /20 (got /{network.prefixlen}): three zones of public, "
                "private and intra subnets are cut from it"
            )
        return value

    @field_validator("service_cidr")
    @classmethod
    def _service(cls, value: str | None) -> str | None:
        if value is None:
            return value
        network = _network(value)
        if not 12 <= network.prefixlen <= 24:
            raise ValueError(f"must be a /12 to /24, as EKS requires (got /{network.prefixlen})")
        return value

    @field_validator("admin_principals")
    @classmethod
    def _principals(cls, values: list[str] | None) -> list[str] | None:
        for value in values or ():
            if not IAM_PRINCIPAL.match(value):
                raise ValueError(
                    f"{value!r} is not an IAM role or user ARN, e.g. "
                    "arn:aws:iam::123456789012:role/platform-admins"
                )
        return values

    @model_validator(mode="after")
    def _consistent(self) -> AwsSettings:
        vpc_cidr = self.effective_vpc_cidr
        service_cidr = _or_default(self.service_cidr, "service_cidr")
        if ipaddress.IPv4Network(vpc_cidr).overlaps(ipaddress.IPv4Network(service_cidr)):
            raise FieldError(
                "serviceCidr",
                f"{service_cidr} overlaps vpcCidr {vpc_cidr}: pods could not tell a "
                "Service address from a VPC address; pick a block outside it, e.g. "
                "172.20.0.0/16",
            )
        if self.zones is not None:
            if len(self.zones) != 3 or len(set(self.zones)) != 3:
                raise FieldError(
                    "zones",
                    f"must name exactly three different availability zones (got "
                    f"{len(self.zones)}: {', '.join(self.zones) or 'none'}); e.g. "
                    f"[{self.region}a, {self.region}b, {self.region}c]",
                )
            for zone in self.zones:
                if not re.fullmatch(re.escape(self.region) + r"[a-z]", zone):
                    raise FieldError(
                        "zones", f"{zone!r} is not a zone of {self.region} (e.g. "
                        f"{self.region}a)")
        names = [group.name for group in self.node_groups]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise FieldError("nodeGroups", f"names must be unique (repeated: "
                             f"{', '.join(repeated)})")
        if sum(group.min_size for group in self.node_groups) < 1:
            raise FieldError(
                "nodeGroups",
                "would let the cluster scale to zero nodes (every minSize is 0); give at least "
                "one on-demand group minSize >= 1 so system pods always have a node",
            )
        return self

    @property
    def effective_vpc_cidr(self) -> str:
        """The VPC block the platform will use: this setting, or the component's default."""
        return str(_or_default(self.vpc_cidr, "vpc_cidr"))


def _or_default(value: Any, name: str) -> Any:
    """A setting's value, or the PlatformArgs default it falls through to when left out."""
    return value if value is not None else default_of(PlatformArgs, name)
