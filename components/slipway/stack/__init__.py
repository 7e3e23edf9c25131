"""The program layer: stack settings in, checked component arguments out.

`read_settings` is the one reader of a stack's `slipway:*` settings, whatever the source (the
running program, the Automation API, a stack file; see `config`). The settings models, the
cross-layer checks (catalog against platform, secrets, releases, capacity) and the glue that
turns settings into platform components live here too. The components below (`slipway`,
`slipway.platform`) never import this package; the program, the CLI and the tooling do.

The names below load on first use (PEP 562), as in `slipway`: the program's first line imports
`own_outputs` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import module_getattr

if TYPE_CHECKING:
    from .aws_settings import AwsSettings, EndpointSettings, FlowLogSettings, NodeGroupSettings
    from .capacity import CapacityReport, NodePool, capacity_report, check_capacity
    from .checks import (
        check_call_majors,
        check_platform,
        check_public_subnets,
        check_releases,
        check_role_trust,
        check_secret_values,
    )
    from .config import (
        CONFIG_NAMESPACE,
        automation_config,
        key,
        program_config,
        read_secret_values,
        read_settings,
        stack_file_config,
        stack_file_settings,
    )
    from .platform_settings import PlatformSettings
    from .program import build_platform
    from .settings import StackSettings

_HOMES = {
    "AwsSettings": ".aws_settings",
    "CONFIG_NAMESPACE": ".config",
    "CapacityReport": ".capacity",
    "EndpointSettings": ".aws_settings",
    "FlowLogSettings": ".aws_settings",
    "NodeGroupSettings": ".aws_settings",
    "NodePool": ".capacity",
    "PlatformSettings": ".platform_settings",
    "StackSettings": ".settings",
    "automation_config": ".config",
    "build_platform": ".program",
    "capacity_report": ".capacity",
    "check_call_majors": ".checks",
    "check_capacity": ".capacity",
    "check_platform": ".checks",
    "check_public_subnets": ".checks",
    "check_releases": ".checks",
    "check_role_trust": ".checks",
    "check_secret_values": ".checks",
    "key": ".config",
    "program_config": ".config",
    "read_secret_values": ".config",
    "read_settings": ".config",
    "stack_file_config": ".config",
    "stack_file_settings": ".config",
}
"""Each name and the module of this package that defines it."""

__all__ = [
    "CONFIG_NAMESPACE",
    "AwsSettings",
    "CapacityReport",
    "EndpointSettings",
    "FlowLogSettings",
    "NodeGroupSettings",
    "NodePool",
    "PlatformSettings",
    "StackSettings",
    "automation_config",
    "build_platform",
    "capacity_report",
    "check_call_majors",
    "check_capacity",
    "check_platform",
    "check_public_subnets",
    "check_releases",
    "check_role_trust",
    "check_secret_values",
    "key",
    "program_config",
    "read_secret_values",
    "read_settings",
    "stack_file_config",
    "stack_file_settings",
]

__getattr__ = module_getattr(__name__, _HOMES)
