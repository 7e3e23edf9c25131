"""The service spec's models under their old import path.

The models live in one module per section of the service file (resources.py, probes.py, ...),
the shared validation helpers in validation.py. This module re-exports them so that code written
against `slipway.spec.model` keeps working; new code imports from the section modules.
"""

from .aws import ARN, IAM_ACTION, AwsAccess, AwsPermission
from .config_values import CREDENTIAL_NAME, ConfigValue, FlagValue
from .disruption import Disruption
from .egress import Egress
from .exposure import Exposure, RateLimit
from .mesh import RETRY_CONDITIONS, CircuitBreaker, MeshPolicy, Retries
from .metrics import MetricsEndpoint
from .migration import Migration
from .overrides import ENVIRONMENT_KEYS, Overrides
from .probes import PROBE_DEFAULTS, Probe, Probes
from .release import CANARY_ONLY, DEFAULT_CANARY_STEPS, Release
from .resources import Limits, Resources
from .scaling import Metric, Scaling
from .service import ServiceAccountSpec, ServiceSpec
from .signature import ImageSignature
from .slo import LatencyObjective, Slo
from .validation import (
    COMMIT,
    DNS_LABEL,
    ENV_VAR,
    FLAG_NAME,
    HOST_NAME,
    IMAGE_BY_DIGEST,
    PATTERN_HELP,
    PERCENT,
    SEMVER,
    URL_PATH,
    FieldError,
    IntOrPercent,
    QuantityText,
    SpecModel,
    check_image,
    error_at,
)

__all__ = [
    "ARN",
    "CANARY_ONLY",
    "COMMIT",
    "CREDENTIAL_NAME",
    "DEFAULT_CANARY_STEPS",
    "DNS_LABEL",
    "ENVIRONMENT_KEYS",
    "ENV_VAR",
    "FLAG_NAME",
    "HOST_NAME",
    "IAM_ACTION",
    "IMAGE_BY_DIGEST",
    "PATTERN_HELP",
    "PERCENT",
    "PROBE_DEFAULTS",
    "RETRY_CONDITIONS",
    "SEMVER",
    "URL_PATH",
    "AwsAccess",
    "AwsPermission",
    "CircuitBreaker",
    "ConfigValue",
    "Disruption",
    "Egress",
    "Exposure",
    "FieldError",
    "FlagValue",
    "ImageSignature",
    "IntOrPercent",
    "LatencyObjective",
    "Limits",
    "MeshPolicy",
    "Metric",
    "MetricsEndpoint",
    "Migration",
    "Overrides",
    "Probe",
    "Probes",
    "QuantityText",
    "RateLimit",
    "Release",
    "Resources",
    "Retries",
    "Scaling",
    "ServiceAccountSpec",
    "ServiceSpec",
    "Slo",
    "SpecModel",
    "check_image",
    "error_at",
]
