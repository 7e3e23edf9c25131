"""The `signature` sections: an image's cosign signature."""

from __future__ import annotations

import base64
import binascii
import json

from pydantic import Field, field_validator

from .validation import SpecModel


def _base64(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64 (as cosign prints it)") from None
    return text


class ImageSignature(SpecModel):
    """The image's cosign signature, as `cosign download signature` prints it (its `Payload`
    and `Base64Signature`). It goes on the pod template as the annotation
    `slipway.dev/signature.<container>`, where the policy pack verifies it (policy/README.md)."""

    payload: str = Field(
        description="Base64 of the simple-signing payload that was signed (cosign's Payload): "
        "it names the image's repository and digest."
    )
    base64_signature: str = Field(
        description="Base64 DER ECDSA signature over the payload (cosign's Base64Signature)."
    )

    @field_validator("payload", "base64_signature")
    @classmethod
    def _encoded(cls, value: str) -> str:
        return _base64(value)

    def annotation(self) -> str:
        """The annotation value, in cosign's own field names."""
        return json.dumps({"Payload": self.payload, "Base64Signature": self.base64_signature},
                          separators=(",", ":"))
