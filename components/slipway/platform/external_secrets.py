"""External Secrets Operator and a ClusterSecretStore for AWS Secrets Manager (IRSA).

Creates, all parented to the component:
- the operator's namespace and ServiceAccount, annotated with the IAM role it assumes
  (`eks.amazonaws.com/role-arn`, IAM roles for service accounts); the role's trust policy must
  name exactly this namespace and ServiceAccount (the AWS platform builds it so);
- the `external-secrets` Helm release (pinned, CRDs included), told to use that ServiceAccount
  rather than create one (unless charts are skipped);
- a `ClusterSecretStore` reading AWS Secrets Manager in one region with that ServiceAccount's
  web identity: every service's ExternalSecret (see Microservice) reads through it, and no
  secret value ever passes through Pulumi.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from ..spec.validation import DNS_LABEL
from . import charts as helm
from .charts import ChartMode
from .namespaces import platform_namespace

TYPE_TOKEN = "slipway:platform:ExternalSecrets"
EXTERNAL_SECRETS_API = "external-secrets.io/v1"
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")


@dataclass(frozen=True)
class ExternalSecretsArgs:
    """The operator and the store services read their secrets through."""

    region: str
    """AWS region of the Secrets Manager secrets, e.g. eu-west-1. Required."""
    role_arn: pulumi.Input[str]
    """IAM role the operator assumes (from the AWS platform's service roles). Required."""
    charts: ChartMode = "install"
    """install: the Helm release; skip: none (rendered or offline stacks). Default install."""
    namespace: str = "external-secrets"
    """Namespace of the operator. Default external-secrets."""
    service_account: str = "external-secrets"
    """The operator's ServiceAccount, named in the IAM role's trust policy. Default
    external-secrets."""
    store_name: str = "aws-secrets-manager"
    """Name of the ClusterSecretStore (the stack's `secretStore.name`). Default
    aws-secrets-manager."""
    chart_version: str = helm.EXTERNAL_SECRETS.version
    """Exact external-secrets chart version. Default 0.20.4."""

    def __post_init__(self) -> None:
        if not REGION.match(self.region):
            raise ValueError(f"externalSecrets: region must be an AWS region such as eu-west-1 "
                             f"(got {self.region!r})")
        for what, value in (("namespace", self.namespace),
                            ("service_account", self.service_account),
                            ("store_name", self.store_name)):
            if not re.match(DNS_LABEL, value):
                raise ValueError(f"externalSecrets: {what} must be a DNS label (got {value!r})")
        helm.EXTERNAL_SECRETS.at(self.chart_version)


def store_spec(args: ExternalSecretsArgs) -> dict[str, object]:
    return {"provider": {"aws": {
        "service": "SecretsManager",
        "region": args.region,
        "auth": {"jwt": {"serviceAccountRef": {"name": args.service_account,
                                               "namespace": args.namespace}}},
    }}}


def chart_values(args: ExternalSecretsArgs) -> dict[str, object]:
    return {
        "installCRDs": True,
        "serviceAccount": {"create": False, "name": args.service_account},
    }


class ExternalSecrets(pulumi.ComponentResource):
    """External Secrets Operator reading AWS Secrets Manager through IRSA."""

    store_name: pulumi.Output[str]
    skipped_charts: list[str]

    def __init__(self, name: str, args: ExternalSecretsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        namespace = platform_namespace(f"{name}-namespace", args.namespace, "restricted", self)
        namespace_name = namespace.metadata.apply(lambda m: m["name"])
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata={"name": args.service_account, "namespace": namespace_name,
                      "annotations": {ROLE_ARN_ANNOTATION: args.role_arn}},
            # A controller: it watches ExternalSecrets through the Kubernetes API.
            automount_service_account_token=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        chart = helm.EXTERNAL_SECRETS.at(args.chart_version)
        operator = helm.release(f"{name}-operator", chart, namespace_name,
                                  chart_values(args), args.charts, parent=self,
                                  depends_on=[account])
        store = k8s.apiextensions.CustomResource(
            f"{name}-store",
            api_version=EXTERNAL_SECRETS_API,
            kind="ClusterSecretStore",
            metadata={"name": args.store_name},
            spec=store_spec(args),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[operator] if operator is not None else [account]),
        )
        self.store_name = pulumi.Output.all(args.store_name, store.id).apply(lambda v: v[0])
        self.skipped_charts = helm.skipped(args.charts, chart)
        self.register_outputs({"storeName": self.store_name,
                               "skippedCharts": self.skipped_charts})
