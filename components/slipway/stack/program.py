"""From validated stack settings to a Platform: what the program calls when `slipway:aws` is set.

Order matters: zones are looked up (an invoke, nothing registered), the subnet, role and
capacity plans are built and every cross-layer check runs, and only then is the first resource
(the AWS provider) registered. A failing check therefore creates nothing.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..environment import Environment, SecretStoreRef
from ..platform.cluster import NodeGroupSpec
from ..platform.network import availability_zones
from ..platform.platform import Platform, PlatformArgs
from ..platform.service_roles import plan_service_roles
from ..platform.subnets import plan_subnets
from ..spec.catalog import Catalog
from .aws_settings import AwsSettings
from .capacity import CapacityReport, NodePool
from .checks import check_platform
from .defaults import given


def node_groups(settings: AwsSettings) -> list[NodeGroupSpec]:
    return [
        NodeGroupSpec(name=g.name, instance_type=g.instance_type, min_size=g.min_size,
                      max_size=g.max_size, desired_size=g.desired_size,
                      **given(capacity_type=g.capacity_type, disk_size_gib=g.disk_size_gib))
        for g in settings.node_groups
    ]


def platform_args(settings: AwsSettings, zones: list[str], catalog: Catalog,
                  environment: Environment, store: SecretStoreRef | None) -> PlatformArgs:
    """The Platform's arguments from settings and the catalog (pure)."""
    flow = settings.flow_logs
    endpoint = settings.endpoint
    # Settings left out (None) are not passed: PlatformArgs' own defaults apply.
    return PlatformArgs(
        region=settings.region, zones=zones, cluster_name=settings.cluster_name,
        node_groups=node_groups(settings),
        service_roles=plan_service_roles(catalog, environment.namespace),
        secret_key_prefix=store.key_prefix if store is not None else None,
        secret_services=tuple(spec.name for spec in catalog if spec.secrets),
        tags={"slipway.dev/environment": environment.name},
        **given(
            vpc_cidr=settings.vpc_cidr, nat=settings.nat,
            cluster_version=settings.cluster_version, endpoint_public=endpoint.public,
            public_access_cidrs=_tuple(endpoint.public_cidrs), allow_world=endpoint.allow_world,
            service_cidr=settings.service_cidr, admin_principals=_tuple(settings.admin_principals),
            flow_logs=flow.destination, flow_log_retention_days=flow.retention_days,
            flow_log_bucket_arn=flow.bucket_arn,
        ),
    )


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values is not None else None


def check(settings: AwsSettings, zones: list[str], catalog: Catalog, environment: Environment,
          source: str) -> CapacityReport:
    """Every cross-layer check (raises SpecError); returns the capacity report."""
    return check_platform(
        catalog, environment, plan=plan_subnets(settings.effective_vpc_cidr, zones),
        cluster_name=settings.cluster_name,
        roles=plan_service_roles(catalog, environment.namespace),
        pools=[NodePool(g.name, g.instance_type, g.max_size) for g in settings.node_groups],
        source=source,
    )


def build_platform(settings: AwsSettings, catalog: Catalog, environment: Environment,
                   store: SecretStoreRef | None, source: str) -> Platform:
    """Check, then create the AWS provider and the Platform (named after the environment)."""
    zones = availability_zones(settings.region, settings.zones)
    report = check(settings, zones, catalog, environment, source)
    pulumi.log.info("capacity at max replicas plus rollout surge:\n" + report.table())
    provider = aws.Provider("aws", region=settings.region, default_tags=aws.ProviderDefaultTagsArgs(
        tags={"managed-by": "slipway", "slipway.dev/environment": environment.name}))
    return Platform(
        f"slipway-{environment.name}",
        platform_args(settings, zones, catalog, environment, store),
        opts=pulumi.ResourceOptions(providers={"aws": provider}),
    )
