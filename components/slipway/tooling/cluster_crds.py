"""The CustomResourceDefinitions the local cluster installs: every vendored upstream file under
`slipway/platform/crds/<source>/` (Gateway API, Prometheus operator, Istio, External Secrets,
cert-manager; each folder's README gives the source module and the files' sha256).

A cluster gets them as upstream wrote them except for what a cluster fills in (`status`,
`creationTimestamp`) and labels or annotations whose value is a Helm directive (cert-manager's
files are chart templates: `app: '{{ template "cert-manager.name" . }}'`), which no API server
would accept. Annotations stay otherwise: Gateway API's `api-approved.kubernetes.io` is required
for its protected group.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster


def crd_files() -> dict[str, list[str]]:
    """{source folder: [file names]} of the vendored CRD files, sorted."""
    root = resources.files("slipway.platform").joinpath("crds")
    return {
        folder.name: sorted(f.name for f in folder.iterdir() if f.name.endswith(".yaml"))
        for folder in sorted(root.iterdir(), key=lambda f: f.name) if folder.is_dir()
    }


def vendored_crds() -> list[dict[str, Any]]:
    """Every vendored CRD document, cleaned for applying."""
    root = resources.files("slipway.platform").joinpath("crds")
    documents = []
    for folder, files in crd_files().items():
        for name in files:
            text = root.joinpath(folder, name).read_text(encoding="utf-8")
            for document in yaml.load_all(text, Loader=_Loader):
                if not document or document.get("kind") != "CustomResourceDefinition":
                    continue
                document.pop("status", None)
                metadata = document["metadata"]
                metadata.pop("creationTimestamp", None)
                for key in ("labels", "annotations"):
                    kept = {k: v for k, v in (metadata.get(key) or {}).items()
                            if "{{" not in str(v)}
                    if kept:
                        metadata[key] = kept
                    else:
                        metadata.pop(key, None)
                documents.append(document)
    return documents


def crd_kinds(documents: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(group, kind) of each CRD."""
    return {(d["spec"]["group"], d["spec"]["names"]["kind"]) for d in documents}
