"""A pull-request review stack's settings, derived from a base stack's.

`slipway preview --pr N` writes them into the (gitignored) Pulumi.pr-N.yaml: the base stack's
settings, with the review stack's own environment and namespace (`pr-N`), its own render
directory (`out/pr-N`) when the base renders, the smallest history, and `preview` (PR number,
created, expires).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import SECRET_VALUES, key

SMALLEST_HISTORY = "1"


def review_stack_config(base: Mapping[str, Any], pr: int, *, created: str,
                        expires: str) -> dict[str, Any]:
    """The review stack's config from the base stack's file config (full keys).

    Secure values are left out: they are encrypted for the base stack's key only.
    """
    name = f"pr-{pr}"
    config = {full_key: value for full_key, value in base.items()
              if not (isinstance(value, dict) and "secure" in value)
              and full_key not in (key(SECRET_VALUES), key("preview"))}
    config[key("environment")] = name
    config[key("namespace")] = name
    kubernetes = dict(config.get(key("kubernetes")) or {})
    if kubernetes.get("renderDir"):
        kubernetes["renderDir"] = f"out/{name}"
    config[key("kubernetes")] = kubernetes
    config[key("revisionHistoryLimit")] = SMALLEST_HISTORY
    config[key("preview")] = {"pr": pr, "created": created, "expires": expires}
    return config
