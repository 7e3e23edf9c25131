"""Namespaces the platform components own (istio-system, the gateway's, monitoring...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pulumi
import pulumi_kubernetes as k8s

from .. import labels

PodSecurity = Literal["restricted", "baseline", "privileged"]


def platform_namespace(resource_name: str, name: str, pod_security: PodSecurity,
                       parent: pulumi.Resource,
                       extra_labels: Mapping[str, str] | None = None) -> k8s.core.v1.Namespace:
    """A namespace with Pod Security Admission enforced at `pod_security`."""
    return k8s.core.v1.Namespace(
        resource_name,
        metadata={
            "name": name,
            "labels": {
                labels.PART_OF: "slipway-platform",
                labels.MANAGED_BY: "pulumi",
                "pod-security.kubernetes.io/enforce": pod_security,
                "pod-security.kubernetes.io/audit": pod_security,
                "pod-security.kubernetes.io/warn": pod_security,
                **(extra_labels or {}),
            },
        },
        opts=pulumi.ResourceOptions(parent=parent),
    )
