"""The `aws` section: the IAM permissions of the service's role."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from .validation import SpecModel, error_at

# service:Action with no wildcard anywhere: `s3:*` or `s3:Get*` grant more than the service
# declares it needs, which is what least privilege forbids.
IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
# arn:partition:service:region:account:resource (region and account may be empty, as for S3).
ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:(?P<service>[a-z0-9-]+):[a-z0-9-]*:([0-9]{12})?:(?P<resource>.+)$"
)
WILDCARD = re.compile(r"[*?]")
MIN_JUSTIFICATION = 10

# Actions that let the holder gain permissions it was not given (privilege escalation):
# changing IAM identities or policies, taking on another role, changing who may use a
# resource, or running code under another identity. Compared case-insensitively, as IAM does.
READ_ONLY_IAM = ("get", "list", "simulate", "generate")
RESOURCE_POLICY = re.compile(
    r"^(put|set|attach|create|update|delete|add|remove|detach)\w*(policy|permission|grant)\w*$"
)
RUNS_AS_ANOTHER_IDENTITY = frozenset({
    "lambda:createfunction", "lambda:updatefunctioncode", "lambda:updatefunctionconfiguration",
    "ec2:runinstances", "ec2:modifyinstanceattribute", "ec2:associateiaminstanceprofile",
    "ec2:replaceiaminstanceprofileassociation", "ssm:sendcommand", "ssm:startsession",
    "ssm:startautomationexecution", "ec2-instance-connect:sendsshpublickey",
    "glue:createdevendpoint", "glue:updatedevendpoint", "cloudformation:createstack",
    "cloudformation:updatestack", "cloudformation:createchangeset",
    "cloudformation:executechangeset", "kms:creategrant", "codebuild:createproject",
    "codebuild:updateproject", "sagemaker:createnotebookinstance",
    "sagemaker:createpresignednotebookinstanceurl", "datapipeline:createpipeline",
    "ecs:runtask", "ecs:registertaskdefinition", "sts:getfederationtoken",
})


def escalation(action: str) -> str | None:
    """Why `action` allows privilege escalation, or None."""
    service, _, name = action.lower().partition(":")
    if service == "iam" and not name.startswith(READ_ONLY_IAM):
        return "changes IAM identities or their permissions"
    if service == "sts" and name.startswith("assume"):
        return "takes on another role's permissions"
    if f"{service}:{name}" in RUNS_AS_ANOTHER_IDENTITY:
        return "runs code or commands with another identity's permissions"
    if RESOURCE_POLICY.match(name):
        return "changes who may use a resource"
    return None


def resource_wildcard(service: str, resource: str) -> str | None:
    """Why a resource ARN's wildcard reaches more than one named resource, or None: the
    resource type and the first part of its name must be written out (`secret:orders-*` is
    fine, `secret:*` and S3's `*/*` are not)."""
    segments = [part for part in re.split(r"[/:]", resource) if part]
    if not segments:
        return "names no resource"
    if service == "s3":
        if WILDCARD.search(segments[0]):
            return "has a wildcard in the bucket name, so it reaches every matching bucket"
        return None
    if len(segments) == 1:
        return ("starts with a wildcard, so it reaches every resource of the service"
                if WILDCARD.match(segments[0]) else None)
    if WILDCARD.search(segments[0]):
        return "has a wildcard in the resource type"
    if WILDCARD.match(segments[1]):
        return f"has a wildcard for the name of every {segments[0]}"
    return None


class AwsPermission(SpecModel):
    """One IAM statement: these actions on these resources, nothing else."""

    actions: list[str] = Field(description="IAM actions such as s3:GetObject; no wildcards.")
    resources: list[str] = Field(
        description="Resource ARNs such as arn:aws:s3:::orders-invoices/*; never '*' alone, "
        "and never a wildcard for the resource's name (secret:*, S3 */*).",
    )
    justification: str | None = Field(
        default=None,
        description="Why the service needs actions that allow privilege escalation (iam:*, "
        "sts:AssumeRole, iam:PassRole, resource policy changes, running code as another "
        "identity). Left out: those actions are refused.",
    )

    @field_validator("actions")
    @classmethod
    def _actions(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("must name at least one action, e.g. [s3:GetObject]")
        for value in values:
            if "*" in value or "?" in value:
                raise ValueError(
                    f"{value!r} is a wildcard action; name each action the service needs, "
                    "e.g. s3:GetObject"
                )
            if not IAM_ACTION.match(value):
                raise ValueError(
                    f"{value!r} is not an IAM action; write service:Action, e.g. s3:GetObject"
                )
        return values

    @field_validator("resources")
    @classmethod
    def _resources(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("must name at least one resource ARN, e.g. "
                             "[arn:aws:s3:::orders-invoices/*]")
        for value in values:
            if value.strip("*") == "":
                raise ValueError(
                    f"{value!r} is every resource in the account; name the ARNs the service "
                    "needs, e.g. arn:aws:s3:::orders-invoices/*"
                )
            match = ARN.match(value)
            if match is None:
                raise ValueError(
                    f"{value!r} is not an ARN; write arn:aws:<service>:<region>:<account>:"
                    "<resource>, e.g. arn:aws:s3:::orders-invoices/*"
                )
            if match["resource"].strip("*") == "":
                raise ValueError(
                    f"{value!r} names every resource of the service; name the resources "
                    "the service needs, e.g. arn:aws:s3:::orders-invoices/*"
                )
            why = resource_wildcard(match["service"], match["resource"])
            if why is not None:
                raise ValueError(
                    f"{value!r} {why}; write the resource's name out (a wildcard may follow "
                    "it), e.g. arn:aws:s3:::orders-invoices/* or "
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-*"
                )
        return values

    @model_validator(mode="after")
    def _no_escalation(self) -> AwsPermission:
        justified = len((self.justification or "").strip()) >= MIN_JUSTIFICATION
        for index, action in enumerate(self.actions):
            why = escalation(action)
            if why is not None and not justified:
                raise error_at(
                    f"actions[{index}]",
                    f"{action} {why}, which lets the service grant itself more than this file "
                    "declares (privilege escalation); drop it, or, if the service truly needs "
                    "it, say why in this statement's justification",
                )
        return self


class AwsAccess(SpecModel):
    """What the service may do in AWS: an IAM role (IRSA) bound to its ServiceAccount."""

    permissions: list[AwsPermission] = Field(
        default_factory=list,
        description="IAM statements the service's role allows. Empty (default): no role.",
    )
