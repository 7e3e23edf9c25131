"""The `aws` section: the IAM permissions of the service's role."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .validation import SpecModel

# service:Action with no wildcard anywhere: `s3:*` or `s3:Get*` grant more than the service
# declares it needs, which is what least privilege forbids.
IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
# arn:partition:service:region:account:resource (region and account may be empty, as for S3).
ARN = re.compile(r"^arn:aws(-[a-z]+)*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12})?:(?P<resource>.+)$")


class AwsPermission(SpecModel):
    """One IAM statement: these actions on these resources, nothing else."""

    actions: list[str] = Field(description="IAM actions such as s3:GetObject; no wildcards.")
    resources: list[str] = Field(
        description="Resource ARNs such as arn:aws:s3:::orders-invoices/*; never '*' alone.",
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
        return values


class AwsAccess(SpecModel):
    """What the service may do in AWS: an IAM role (IRSA) bound to its ServiceAccount."""

    permissions: list[AwsPermission] = Field(
        default_factory=list,
        description="IAM statements the service's role allows. Empty (default): no role.",
    )
