"""Image signatures, made in the test with throwaway ECDSA P-256 keys."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from policy_fixtures import (
    DIGEST,
    OTHER_DIGEST,
    REPO,
    annotation,
    deployment,
    new_key,
    payload,
    public_pem,
    sign,
    signed,
)
from rules.config import ConfigError
from rules.k8s import UNKNOWN_SENTINELS
from rules.signatures import check_signatures, simple_signing_payload

WHO = "Deployment 'shop/orders'"
WHERE = "spec.template.metadata.annotations['slipway.dev/signature.app']"
FIX_MALFORMED = (
    'so it cannot be verified. Set it to {"Payload": ..., "Base64Signature": ...} from `cosign '
    "download signature` (see policy/README.md)."
)


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return new_key()


@pytest.fixture
def config(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    return {"publicKeys": {"ci": public_pem(key)}}


def test_payload_matches_cosign_simple_signing_bytes() -> None:
    assert simple_signing_payload(REPO, DIGEST) == payload()


def test_valid_signature_passes(key: ec.EllipticCurvePrivateKey, config: dict[str, Any]) -> None:
    assert check_signatures(signed(deployment(), annotation(key)), config) == []


def test_bare_signature_over_rebuilt_payload_passes(
    key: ec.EllipticCurvePrivateKey, config: dict[str, Any]
) -> None:
    assert check_signatures(signed(deployment(), sign(key, payload())), config) == []


def test_second_trusted_key_verifies(key: ec.EllipticCurvePrivateKey) -> None:
    config = {"publicKeys": {"old": public_pem(new_key()), "new": public_pem(key)}}
    assert check_signatures(signed(deployment(), annotation(key)), config) == []


def test_missing_signature(config: dict[str, Any]) -> None:
    assert check_signatures(deployment(), config) == [
        f"{WHO}: container 'app' image {REPO}@{DIGEST} has no signature ({WHERE} is missing). "
        "Sign the image in CI with `cosign sign` and set the annotation to the signature (see "
        "policy/README.md)."
    ]


def test_tampered_digest(key: ec.EllipticCurvePrivateKey, config: dict[str, Any]) -> None:
    # Signed for OTHER_DIGEST; the resource now runs DIGEST.
    value = annotation(key, payload(digest=OTHER_DIGEST))
    assert check_signatures(signed(deployment(), value), config) == [
        f"{WHO}: container 'app' image digest {DIGEST} (spec.template.spec.containers[0].image) "
        f"does not match the signed digest {OTHER_DIGEST}: the image was changed after signing. "
        "Deploy the signed digest, or sign the new one."
    ]


def test_unknown_key(config: dict[str, Any]) -> None:
    assert check_signatures(signed(deployment(), annotation(new_key())), config) == [
        f"{WHO}: container 'app' signature {WHERE} is not signed by any trusted key (ci). Sign "
        "the image with a trusted key, or add its public key to publicKeys in the policy config."
    ]


def test_bare_signature_by_unknown_key(config: dict[str, Any]) -> None:
    assert check_signatures(signed(deployment(), sign(new_key(), payload())), config) == [
        f"{WHO}: container 'app' signature {WHERE} does not verify for {REPO}@{DIGEST} with any "
        "trusted key (ci): it was made by an unknown key or for another digest. Re-sign this "
        "digest with a trusted key."
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("not base64!", "is not a base64 DER ECDSA signature"),
        (base64.b64encode(b"not DER").decode(), "is not a base64 DER ECDSA signature"),
        ("{broken", "is not valid JSON"),
        ("[]", "is not a base64 DER ECDSA signature"),
        ('{"Base64Signature": "MAA="}', "has no base64 'Payload'"),
        ('{"Payload": "eA==", "Base64Signature": "eA=="}',
         "has a 'Base64Signature' that is not a base64 DER ECDSA signature"),
    ],
)
def test_malformed_signature(value: str, problem: str, config: dict[str, Any]) -> None:
    assert check_signatures(signed(deployment(), value), config) == [
        f"{WHO}: container 'app' signature {WHERE} {problem}, {FIX_MALFORMED}"
    ]


def test_signature_for_another_repository(
    key: ec.EllipticCurvePrivateKey, config: dict[str, Any]
) -> None:
    value = annotation(key, payload(reference="registry.example.com/shop/other"))
    assert check_signatures(signed(deployment(), value), config) == [
        f"{WHO}: container 'app' signature {WHERE} was made for repository "
        f"'registry.example.com/shop/other', not '{REPO}'. Sign the image under the repository "
        "it is deployed from."
    ]


def test_trusted_signature_over_a_non_cosign_payload(
    key: ec.EllipticCurvePrivateKey, config: dict[str, Any]
) -> None:
    value = annotation(key, json.dumps({"hello": "world"}).encode())
    assert check_signatures(signed(deployment(), value), config) == [
        f"{WHO}: container 'app' signature {WHERE} is signed by 'ci' but its payload is not a "
        "cosign container image signature. Sign the image with `cosign sign` or sign the output "
        "of `cosign generate`."
    ]


def test_the_four_failure_kinds_have_distinct_messages(
    key: ec.EllipticCurvePrivateKey, config: dict[str, Any]
) -> None:
    cases = [deployment(), signed(deployment(), "%%%"),
             signed(deployment(), annotation(new_key())),
             signed(deployment(), annotation(key, payload(digest=OTHER_DIGEST)))]
    messages = [check_signatures(c, config)[0] for c in cases]
    assert [("no signature" in m, "base64 DER" in m, "trusted key" in m, "signed digest" in m)
            for m in messages] == [(True, False, False, False), (False, True, False, False),
                                   (False, False, True, False), (False, False, False, True)]


def test_unpinned_image_cannot_be_verified(config: dict[str, Any]) -> None:
    d = deployment()
    d["spec"]["template"]["spec"]["containers"][0]["image"] = f"{REPO}:1.0"
    assert check_signatures(d, config) == [
        f"{WHO}: container 'app' image {REPO} (spec.template.spec.containers[0].image) cannot "
        "have its signature checked because it is not pinned by digest. Pin it (@sha256:...) and "
        "sign that digest."
    ]


def test_unknown_signature_during_preview_is_deferred(config: dict[str, Any]) -> None:
    out = check_signatures(signed(deployment(), next(iter(UNKNOWN_SENTINELS))), config)
    assert out == []
    assert out.unknown == [WHERE]


@pytest.mark.parametrize(
    "keys",
    [{}, {"ci": "not a key"},
     {"bad": "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK8Q==\n"
             "-----END PUBLIC KEY-----"}],
)
def test_refuses_bad_key_config(keys: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="publicKeys"):
        check_signatures(deployment(), {"publicKeys": keys})


def test_refuses_a_key_on_another_curve() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ConfigError, match=r"publicKeys\['ci'\] is not a PEM ECDSA P-256"):
        check_signatures(deployment(), {"publicKeys": {"ci": public_pem(p384)}})


# --- keys from files the platform team provides -------------------------------------------

def test_keys_come_from_a_file_named_by_an_environment_variable(
    key: ec.EllipticCurvePrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = tmp_path / "ci.pub"
    pem.write_text(public_pem(key))
    monkeypatch.setenv("SLIPWAY_TRUSTED_KEYS", str(pem))
    files = {"publicKeys": {}, "publicKeyFiles": ["${SLIPWAY_TRUSTED_KEYS}"]}
    assert check_signatures(signed(deployment(), annotation(key)), files) == []
    monkeypatch.setenv("SLIPWAY_TRUSTED_KEYS", str(tmp_path))  # a directory of *.pub
    assert check_signatures(signed(deployment(), annotation(key)), files) == []
    assert check_signatures(signed(deployment(), annotation(new_key())), files) != []


def test_no_key_configured_refuses_and_says_how_to_provide_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SLIPWAY_TRUSTED_KEYS", raising=False)
    prod = {"publicKeys": {}, "publicKeyFiles": ["${SLIPWAY_TRUSTED_KEYS}"]}
    with pytest.raises(ConfigError) as raised:
        check_signatures(deployment(), prod)
    assert str(raised.value) == (
        "policy config for slipway-k8s-workload-image-signature: no trusted signing key is "
        "configured (publicKeyFiles entry '${SLIPWAY_TRUSTED_KEYS}': SLIPWAY_TRUSTED_KEYS is not "
        "set), so no image signature can be verified. Provide the public key CI signs images "
        "with (cosign.pub): set SLIPWAY_TRUSTED_KEYS to its path (a PEM file, or a directory of "
        "*.pub files) in the environment `pulumi` runs in, or list it in 'publicKeyFiles' "
        "(paths) or 'publicKeys' (name: PEM) in the policy config.")
    monkeypatch.setenv("SLIPWAY_TRUSTED_KEYS", str(tmp_path / "missing.pub"))
    with pytest.raises(ConfigError, match=r"missing\.pub does not exist\)"):
        check_signatures(deployment(), prod)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"holds no \*\.pub file"):
        check_signatures(deployment(), {"publicKeyFiles": [str(tmp_path / "empty")]})


def test_a_key_file_that_is_not_a_p256_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ci.pub").write_text("not a key")
    with pytest.raises(ConfigError, match=r"key file .*ci\.pub is not a PEM ECDSA P-256"):
        check_signatures(deployment(), {"publicKeyFiles": [str(tmp_path / "ci.pub")]})
