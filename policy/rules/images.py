"""Images: pinned by digest, from a trusted registry, never the ``latest`` tag."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from rules.config import ConfigError, settings
from rules.k8s import UNKNOWN, Container, Violations, containers, fmt, get, kind_of, label

DIGEST_RULE: Final = "slipway-k8s-workload-image-digest"
DIGEST_DESCRIPTION: Final = (
    "Every container image is pinned by a sha256 digest (image@sha256:<64 hex>), so what runs "
    "is exactly what was built, tested and signed."
)
REGISTRY_RULE: Final = "slipway-k8s-workload-image-registry"
REGISTRY_DESCRIPTION: Final = (
    "Every container image comes from one of the configured trusted registries."
)
LATEST_RULE: Final = "slipway-k8s-workload-image-latest"
LATEST_DESCRIPTION: Final = (
    "No container image uses the 'latest' tag, written or implied by leaving the tag out."
)
DIGEST_DEFAULTS: Final[dict[str, Any]] = {}
REGISTRY_DEFAULTS: Final[dict[str, Any]] = {"trustedRegistries": []}
LATEST_DEFAULTS: Final[dict[str, Any]] = {}

_DIGEST: Final = re.compile(r"^sha256:[0-9a-f]{64}$")
DOCKER_HUB: Final = "docker.io"


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference: ``registry/repository[:tag][@digest]``."""

    registry: str
    repository: str  # without the registry
    tag: str | None
    digest: str | None
    name: str  # registry and repository as written, without tag or digest

    @property
    def full_repository(self) -> str:
        return f"{self.registry}/{self.repository}"


def parse_image(image: str) -> ImageRef:
    name, _, digest = image.partition("@")
    tag = None
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name if rest else f"library/{name}"
    return ImageRef(registry, repository, tag, digest or None, name)


def images(
    props: Mapping[str, Any], out: Violations, report_missing: bool = False
) -> Iterator[tuple[Container, str, ImageRef]]:
    """Each container with a known image string, its field path and the parsed reference.

    A container without an image is reported once, by the digest rule (``report_missing``).
    """
    kind = kind_of(props)
    for c in containers(props, kind, out):
        image = get(c.spec, ("image",), out, c.path)
        if image is UNKNOWN:
            continue
        if not isinstance(image, str) or not image.strip():
            if not report_missing:
                continue
            out.add(
                f"{label(props)}: {c.title} has no image ({fmt((*c.path, 'image'))}). Set "
                f"image to a registry/repository@sha256:<digest> reference."
            )
            continue
        yield c, fmt((*c.path, "image")), parse_image(image.strip())


def check_digest(props: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> Violations:
    settings(DIGEST_RULE, config, DIGEST_DEFAULTS)
    out = Violations()
    who = label(props)
    for c, field, ref in images(props, out, report_missing=True):
        if ref.digest is None:
            out.add(
                f"{who}: {c.title} image {ref.name}{':' + ref.tag if ref.tag else ''} ({field}) "
                f"is not pinned by digest. Use {ref.name}@sha256:<digest>, e.g. from "
                f"`crane digest` or your build's output."
            )
        elif not _DIGEST.match(ref.digest):
            out.add(
                f"{who}: {c.title} image digest '{ref.digest}' ({field}) is not a sha256 digest. "
                f"Use @sha256: followed by 64 lowercase hex characters."
            )
    return out


def _trusted(ref: ImageRef, trusted: list[str]) -> bool:
    for trusted_entry in trusted:
        entry = trusted_entry.rstrip("/")
        for candidate in (ref.name, ref.full_repository):
            if candidate == entry or candidate.startswith(entry + "/"):
                return True
    return False


def check_registry(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(REGISTRY_RULE, config, REGISTRY_DEFAULTS)
    trusted = opts["trustedRegistries"]
    if not trusted or not all(isinstance(t, str) and t for t in trusted):
        raise ConfigError(
            f"policy config for {REGISTRY_RULE}: 'trustedRegistries' must list at least one "
            f"registry (e.g. \"registry.example.com\" or \"registry.example.com/shop\")."
        )
    out = Violations()
    who = label(props)
    for c, field, ref in images(props, out):
        if not _trusted(ref, trusted):
            out.add(
                f"{who}: {c.title} image from '{ref.registry}' ({field}: {ref.name}) is not from "
                f"a trusted registry ({', '.join(trusted)}). Push the image to a trusted "
                f"registry and reference it there, or add the registry to trustedRegistries."
            )
    return out


def check_latest(props: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> Violations:
    settings(LATEST_RULE, config, LATEST_DEFAULTS)
    out = Violations()
    who = label(props)
    for c, field, ref in images(props, out):
        if ref.tag == "latest":
            out.add(
                f"{who}: {c.title} image {ref.name}:latest ({field}) uses the 'latest' tag. Tag "
                f"it with a version and pin it by digest (@sha256:...)."
            )
        elif ref.tag is None and ref.digest is None:
            out.add(
                f"{who}: {c.title} image {ref.name} ({field}) has no tag or digest, so it means "
                f"'latest'. Pin it by digest (@sha256:...)."
            )
    return out
