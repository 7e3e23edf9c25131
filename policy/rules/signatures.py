"""Image signatures: cosign-compatible ECDSA P-256 signatures, carried on the pod template.

For each container, the pod template carries the annotation
``slipway.dev/signature.<container-name>``. Its value is what ``cosign download signature``
prints for the image, reduced to two fields (see policy/README.md for the CI steps)::

    {"Payload": "<base64 simple-signing payload>", "Base64Signature": "<base64 DER signature>"}

The payload is cosign's "simple signing" JSON naming the image's repository and digest. The
rule verifies the signature over the payload with the configured public keys (ECDSA P-256,
SHA-256), then checks the payload names the digest and repository the container runs. A bare
base64 signature is accepted too; the payload is then rebuilt from the image reference, which
verifies just as well but cannot tell an unknown key from a signature for another digest.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from rules.config import ConfigError, settings
from rules.images import DOCKER_HUB, ImageRef, images
from rules.k8s import (
    UNKNOWN,
    Violations,
    as_dict,
    fmt,
    get,
    is_unknown,
    kind_of,
    label,
    template_path,
)

RULE: Final = "slipway-k8s-workload-image-signature"
DESCRIPTION: Final = (
    "Every container image carries a cosign signature, in the pod template annotation "
    "slipway.dev/signature.<container>, that verifies against a trusted public key and names "
    "the image's repository and digest."
)
DEFAULTS: Final[dict[str, Any]] = {
    "publicKeys": {},  # {name: PEM}, written in the config file (dev's example key)
    # Paths to PEM files, or directories of *.pub files, provided by the platform team:
    # ${VAR} is read from the environment of the `pulumi` command; a relative path is
    # relative to the policy pack's directory. prod.json: ["${SLIPWAY_TRUSTED_KEYS}"].
    "publicKeyFiles": [],
}
PACK_DIR: Final = Path(__file__).resolve().parent.parent
_VARIABLE: Final = re.compile(r"\$\{(\w+)\}")
ANNOTATION_PREFIX: Final = "slipway.dev/signature."
SIGNATURE_TYPE: Final = "cosign container image signature"


def simple_signing_payload(docker_reference: str, digest: str) -> bytes:
    """The payload ``cosign sign`` and ``cosign generate`` produce, byte for byte."""
    body = {
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest},
            "type": SIGNATURE_TYPE,
        },
        "optional": None,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _parse_key(name: str, pem: str, where: str) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ConfigError(
            f"policy config for {RULE}: {where} is not a PEM ECDSA P-256 public key. Use the "
            f"content of the cosign.pub made by `cosign generate-key-pair`."
        )
    return key


def _key_files(entry: str) -> tuple[list[Path], str | None]:
    """The PEM files an entry of publicKeyFiles names, or why it names none."""
    missing = [v for v in _VARIABLE.findall(entry) if not os.environ.get(v)]
    if missing:
        return [], f"{', '.join(missing)} is not set"
    path = Path(_VARIABLE.sub(lambda m: os.environ[m.group(1)], entry)).expanduser()
    path = path if path.is_absolute() else PACK_DIR / path
    if path.is_dir():
        files = sorted(path.glob("*.pub"))
        return files, None if files else f"{path} holds no *.pub file"
    if path.is_file():
        return [path], None
    return [], f"{path} does not exist"


def load_keys(inline: Any, files: Any = ()) -> dict[str, ec.EllipticCurvePublicKey]:
    """The trusted keys: the inline ``publicKeys`` and those of ``publicKeyFiles``.

    No key at all is a ConfigError saying how to provide one, so every workload is refused
    (fail closed) rather than trusted.
    """
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for name, pem in (inline if isinstance(inline, dict) else {}).items():
        keys[name] = _parse_key(name, str(pem), f"publicKeys['{name}']")
    problems: list[str] = []
    unset: list[str] = []
    for entry in files if isinstance(files, list) else []:
        unset += [v for v in _VARIABLE.findall(str(entry)) if not os.environ.get(v)]
        found, problem = _key_files(str(entry))
        if problem:
            problems.append(f"publicKeyFiles entry {entry!r}: {problem}")
        for path in found:
            keys[path.stem] = _parse_key(path.stem, path.read_text(), f"key file {path}")
    if not keys:
        why = f" ({'; '.join(problems)})" if problems else ""
        how = "".join(
            f"set {v} to its path (a PEM file, or a directory of *.pub files) in the "
            f"environment `pulumi` runs in, or " for v in dict.fromkeys(unset))
        raise ConfigError(
            f"policy config for {RULE}: no trusted signing key is configured{why}, so no image "
            f"signature can be verified. Provide the public key CI signs images with "
            f"(cosign.pub): {how}list it in 'publicKeyFiles' (paths) or 'publicKeys' "
            f"(name: PEM) in the policy config."
        )
    return keys


def _b64(text: Any) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _der(signature: bytes | None) -> bool:
    if not signature:
        return False
    try:
        decode_dss_signature(signature)
    except ValueError:
        return False
    return True


def _signer(keys: dict[str, ec.EllipticCurvePublicKey], payload: bytes, sig: bytes) -> str | None:
    for name, key in keys.items():
        try:
            key.verify(sig, payload, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return name
    return None


def references(ref: ImageRef) -> set[str]:
    """The names cosign may have put in docker-reference for this image."""
    names = {ref.name, ref.full_repository}
    if ref.registry == DOCKER_HUB:
        names.add(f"index.docker.io/{ref.repository}")
    return names


def _parse_annotation(value: str) -> tuple[bytes | None, bytes | None, str | None]:
    """(payload or None for a bare signature, signature, what is malformed)."""
    text = value.strip()
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            return None, None, "is not valid JSON"
        if not isinstance(body, dict):
            return None, None, "is not a JSON object"
        payload = _b64(body.get("Payload"))
        if payload is None:
            return None, None, "has no base64 'Payload'"
        sig = _b64(body.get("Base64Signature"))
        if not _der(sig):
            return None, None, "has a 'Base64Signature' that is not a base64 DER ECDSA signature"
        return payload, sig, None
    sig = _b64(text)
    if not _der(sig):
        return None, None, "is not a base64 DER ECDSA signature"
    return None, sig, None


def check_signatures(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(RULE, config, DEFAULTS)
    keys = load_keys(opts["publicKeys"], opts["publicKeyFiles"])
    trusted = ", ".join(sorted(keys))
    out = Violations()
    who = label(props)
    annotations_path = (*template_path(kind_of(props)), "metadata", "annotations")
    annotations = get(props, annotations_path, out)
    for c, field, ref in images(props, out):
        key = f"{ANNOTATION_PREFIX}{c.name}"
        where = f"{fmt(annotations_path)}['{key}']"
        if ref.digest is None:
            out.add(
                f"{who}: {c.title} image {ref.name} ({field}) cannot have its signature checked "
                f"because it is not pinned by digest. Pin it (@sha256:...) and sign that digest."
            )
            continue
        if annotations is UNKNOWN:
            continue
        value = as_dict(annotations).get(key)
        if is_unknown(value):
            out.defer(where)
            continue
        if not isinstance(value, str) or not value.strip():
            out.add(
                f"{who}: {c.title} image {ref.name}@{ref.digest} has no signature ({where} is "
                f"missing). Sign the image in CI with `cosign sign` and set the annotation to "
                f"the signature (see policy/README.md)."
            )
            continue
        payload, sig, malformed = _parse_annotation(value)
        if malformed is not None or sig is None:
            out.add(
                f"{who}: {c.title} signature {where} {malformed}, so it cannot be verified. Set "
                f'it to {{"Payload": ..., "Base64Signature": ...}} from `cosign download '
                f"signature` (see policy/README.md)."
            )
            continue
        if payload is None:
            # A bare signature: rebuild the payload cosign signed for this exact digest.
            if not any(
                _signer(keys, simple_signing_payload(name, ref.digest), sig)
                for name in sorted(references(ref))
            ):
                out.add(
                    f"{who}: {c.title} signature {where} does not verify for "
                    f"{ref.name}@{ref.digest} with any trusted key ({trusted}): it was made by "
                    f"an unknown key or for another digest. Re-sign this digest with a trusted "
                    f"key."
                )
            continue
        signer = _signer(keys, payload, sig)
        if signer is None:
            out.add(
                f"{who}: {c.title} signature {where} is not signed by any trusted key "
                f"({trusted}). Sign the image with a trusted key, or add its public key to "
                f"publicKeys in the policy config."
            )
            continue
        try:
            critical = as_dict(as_dict(json.loads(payload)).get("critical"))
        except ValueError:
            critical = {}
        signed_digest = as_dict(critical.get("image")).get("docker-manifest-digest")
        signed_ref = as_dict(critical.get("identity")).get("docker-reference")
        if critical.get("type") != SIGNATURE_TYPE or not isinstance(signed_digest, str):
            out.add(
                f"{who}: {c.title} signature {where} is signed by '{signer}' but its payload is "
                f"not a cosign container image signature. Sign the image with `cosign sign` or "
                f"sign the output of `cosign generate`."
            )
        elif signed_digest != ref.digest:
            out.add(
                f"{who}: {c.title} image digest {ref.digest} ({field}) does not match the signed "
                f"digest {signed_digest}: the image was changed after signing. Deploy the signed "
                f"digest, or sign the new one."
            )
        elif signed_ref not in references(ref):
            out.add(
                f"{who}: {c.title} signature {where} was made for repository '{signed_ref}', "
                f"not '{ref.name}'. Sign the image under the repository it is deployed from."
            )
    return out
