"""Pulumi mocks that answer like AWS: IDs, ARNs and the invokes the platform makes.

The AWS provider plugin does not exist on these machines, so the prod stack runs only under
these mocks. Each answer has the shape AWS gives (ARN formats, an EKS endpoint, a CA bundle,
an OIDC issuer, three zones for eu-west-1), so the code that reads them runs as it would.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from mocking import Registry

ACCOUNT = "123456789012"
REGION = "eu-west-1"
CLUSTER_ID = "5E1C2F0A9B8D7E6F5A4B3C2D1E0F9A8B"
ISSUER = f"https://oidc.eks.{REGION}.amazonaws.com/id/{CLUSTER_ID}"
ENDPOINT = f"https://{CLUSTER_ID}.gr7.{REGION}.eks.amazonaws.com"
CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n"
                           ).decode()
ZONES = {"names": [f"{REGION}a", f"{REGION}b", f"{REGION}c"],
         "zoneIds": ["euw1-az3", "euw1-az1", "euw1-az2"]}

# Type token -> (id prefix, ARN template): AWS's own ID and ARN shapes.
_SHAPES: dict[str, tuple[str, str]] = {
    "aws:ec2/vpc:Vpc": ("vpc", "arn:aws:ec2:{region}:{account}:vpc/{id}"),
    "aws:ec2/subnet:Subnet": ("subnet", "arn:aws:ec2:{region}:{account}:subnet/{id}"),
    "aws:ec2/internetGateway:InternetGateway": ("igw", "arn:aws:ec2:{region}:{account}:"
                                                "internet-gateway/{id}"),
    "aws:ec2/natGateway:NatGateway": ("nat", ""),
    "aws:ec2/eip:Eip": ("eipalloc", ""),
    "aws:ec2/routeTable:RouteTable": ("rtb", "arn:aws:ec2:{region}:{account}:route-table/{id}"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("rtbassoc", ""),
    "aws:ec2/securityGroup:SecurityGroup": ("sg", "arn:aws:ec2:{region}:{account}:"
                                            "security-group/{id}"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpce", "arn:aws:ec2:{region}:{account}:"
                                        "vpc-endpoint/{id}"),
    "aws:ec2/flowLog:FlowLog": ("fl", "arn:aws:ec2:{region}:{account}:vpc-flow-log/{id}"),
    "aws:kms/key:Key": ("", "arn:aws:kms:{region}:{account}:key/{id}"),
    "aws:cloudwatch/logGroup:LogGroup": ("", "arn:aws:logs:{region}:{account}:log-group:{name}"),
    "aws:iam/role:Role": ("", "arn:aws:iam::{account}:role/{name}"),
    "aws:secretsmanager/secret:Secret": ("", "arn:aws:secretsmanager:{region}:{account}:secret:"
                                         "{name}-AbCdEf"),
    "aws:eks/nodeGroup:NodeGroup": ("", "arn:aws:eks:{region}:{account}:nodegroup/{name}"),
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def resource_id_for(type_token: str, name: str) -> str:
    """The ID the mocks give a resource: AWS's prefix and 17 hex digits (vpc-0123...), derived
    from the resource name, so tests can match IDs to resources whatever the order."""
    prefix = _SHAPES.get(type_token, ("", ""))[0]
    return f"{prefix}-0{_digest(name)[:16]}" if prefix else f"{name}-id"


@dataclass
class AwsMocks(Registry):
    """A Registry whose resources and invokes answer as AWS would."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    zones: dict[str, list[str]] = field(default_factory=lambda: dict(ZONES))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        arn = _SHAPES.get(args.typ, ("", ""))[1]
        resource_id = resource_id_for(args.typ, args.name)
        # Pulumi auto-names with a random suffix; a hash of the name keeps runs reproducible.
        name = str(inputs.get("name") or f"{args.name}-{_digest(args.name)[:7]}")
        outputs: dict[str, Any] = {**inputs, "name": name} if "name" in inputs or arn else inputs
        if arn:
            outputs["arn"] = arn.format(region=REGION, account=ACCOUNT, id=resource_id, name=name)
        if args.typ == "aws:kms/key:Key":
            outputs["keyId"] = resource_id
        if args.typ == "aws:eks/cluster:Cluster":
            outputs.update(
                arn=f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{name}",
                endpoint=ENDPOINT,
                certificateAuthority={"data": CA_DATA},
                identities=[{"oidcs": [{"issuer": ISSUER}]}],
                status="ACTIVE",
            )
        if args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            url = str(inputs.get("url", "")).removeprefix("https://")
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{url}"
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        # A plain dict: Pulumi's mock monitor reads a tuple's second item as failures.
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {**self.zones, "id": args.args.get("region", REGION),
                    "groupNames": [args.args.get("region", REGION)]}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci",
                    "userId": "AIDAEXAMPLE", "id": ACCOUNT}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
                    "reverseDnsPrefix": "com.amazonaws"}
        return {}


def prod_config(root: Path) -> dict[str, Any]:
    """The `config:` of Pulumi.prod.yaml, as the engine would hand it to the program."""
    document = yaml.safe_load((root / "Pulumi.prod.yaml").read_text())
    return dict(document["config"])


def policy_document(value: Any) -> dict[str, Any]:
    """An IAM policy input (a JSON string) as a dict."""
    return dict(json.loads(value)) if isinstance(value, str) else dict(value)
