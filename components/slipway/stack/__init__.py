"""The program layer: stack settings in, checked component arguments out.

`read_settings` is the one reader of a stack's `slipway:*` settings, whatever the source (the
running program, the Automation API, a stack file; see `config`). The settings models, the
cross-layer checks (catalog against platform, secrets, releases, capacity) and the glue that
turns settings into platform components live here too. The components below (`slipway`,
`slipway.platform`) never import this package; the program, the CLI and the tooling do.
"""

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
