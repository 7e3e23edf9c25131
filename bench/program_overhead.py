"""What Slipway's components cost over writing the same resources by hand, under Pulumi mocks.

For 10, 50 and 200 generated services this times (a) Slipway: spec validation, catalog
checks and one Microservice per service, and (b) raw: the very same Kubernetes resources,
with the inputs Slipway produced, registered directly with pulumi-kubernetes. Each variant runs
`--repeat` times; the median is reported. The figures are for reading, not for asserting.

    make bench            # or: .venv/bin/python bench/program_overhead.py --sizes 10 50 200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from slipway import Environment, SecretStoreRef, ServiceSpec, deploy_catalog
from slipway.spec.catalog import Catalog, check

KINDS: dict[str, Callable[..., pulumi.CustomResource]] = {
    "kubernetes:core/v1:ServiceAccount": k8s.core.v1.ServiceAccount,
    "kubernetes:core/v1:ConfigMap": k8s.core.v1.ConfigMap,
    "kubernetes:core/v1:Service": k8s.core.v1.Service,
    "kubernetes:apps/v1:Deployment": k8s.apps.v1.Deployment,
    "kubernetes:batch/v1:Job": k8s.batch.v1.Job,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
    "kubernetes:policy/v1:PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": k8s.networking.v1.NetworkPolicy,
}


class Recorder(pulumi.runtime.Mocks):
    """Mocks that keep every custom resource's inputs, so the raw variant can replay them."""

    def __init__(self) -> None:
        self.registered: list[tuple[str, str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


SHAPES = ("chain", "none", "graph")
"""Call graphs of the generated catalog: `chain` (svc-N calls svc-N-1: the longest possible
dependency chain, Slipway's worst case), `none` (nobody calls anybody) and `graph` (a realistic
fan-out, see `graph_calls`)."""


def graph_calls(count: int) -> list[list[int]]:
    """Fronts -> two middle tiers -> leaves (depth 4): a tenth of the services are fronts, the
    rest split evenly over the other tiers; each service calls up to 3 of the next tier."""
    fronts = max(1, count // 10)
    rest = count - fronts
    bounds = [0, fronts, fronts + rest // 3, fronts + 2 * rest // 3, count]
    calls: list[list[int]] = []
    for tier in range(4):
        start, end = bounds[tier], bounds[tier + 1]
        for index in range(start, end):
            if tier == 3 or bounds[tier + 2] == end:
                calls.append([])
                continue
            below = list(range(end, bounds[tier + 2]))
            calls.append(sorted({below[(index * 7 + k * 5) % len(below)] for k in range(3)}))
    return calls


def generated_documents(count: int, shape: str = "chain") -> list[dict[str, Any]]:
    """A catalog shaped like a real one: a call graph of `shape` (see SHAPES), config, secrets,
    some migrations."""
    if shape not in SHAPES:
        raise ValueError(f"shape {shape!r}: expected one of {', '.join(SHAPES)}")
    graph = graph_calls(count) if shape == "graph" else None
    documents = []
    for index in range(count):
        name = f"svc-{index:03d}"
        digest = hashlib.sha256(name.encode()).hexdigest()
        document: dict[str, Any] = {
            "name": name,
            "image": f"registry.example.com/bench/{name}@sha256:{digest}",
            "version": "1.0.0",
            "probes": {"readiness": "/ready", "liveness": "/live"},
            "scaling": {"min": 2, "max": 6},
            "config": {"LOG_LEVEL": "info", "INDEX": index},
            "secrets": ["DB_PASSWORD"],
            "calls": ([f"svc-{callee:03d}" for callee in graph[index]] if graph is not None
                      else [f"svc-{index - 1:03d}"] if index and shape == "chain" else []),
        }
        if index % 5 == 0:
            document["migration"] = {"image": document["image"], "command": ["/migrate"]}
        documents.append(document)
    return documents


def build_catalog(documents: list[dict[str, Any]]) -> Catalog:
    services = {d["name"]: ServiceSpec.model_validate(d) for d in documents}
    sources = {name: f"services/{name}.yaml" for name in services}
    problems = check(services, sources)
    assert not problems, problems
    return Catalog(services=services, sources=sources)


def run(program: Callable[[], None], mocks: Recorder) -> float:
    pulumi.runtime.set_mocks(mocks, project="bench", stack="dev", preview=False)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def body() -> None:
        program()

    start = time.perf_counter()
    body()
    return time.perf_counter() - start


def slipway_program(documents: list[dict[str, Any]]) -> Callable[[], None]:
    def program() -> None:
        env = Environment(name="dev", namespace="bench")
        deploy_catalog(build_catalog(documents), env, "bench",
                       secret_store=SecretStoreRef(name="store"))
    return program


def canonical(registered: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in registered)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def raw_program(recorded: list[tuple[str, str, dict[str, Any]]]) -> Callable[[], None]:
    def program() -> None:
        for type_token, name, inputs in recorded:
            if type_token in KINDS:
                KINDS[type_token](name, **{snake(k): v for k, v in inputs.items()
                                           if k not in ("apiVersion", "kind")})
            else:  # custom resources: ExternalSecret, ServiceMonitor, PrometheusRule, routes
                k8s.apiextensions.CustomResource(
                    name, api_version=inputs["apiVersion"], kind=inputs["kind"],
                    **{k: v for k, v in inputs.items() if k not in ("apiVersion", "kind")})
    return program


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"{'services':>8} {'resources':>9} {'slipway s':>10} {'raw s':>8} {'ratio':>6}")
    for size in options.sizes:
        documents = generated_documents(size)
        reference = Recorder()
        run(slipway_program(documents), reference)
        custom = [r for r in reference.registered if not r[0].startswith("slipway:")]
        slipway_times, raw_times = [], []
        for _ in range(options.repeat):
            slipway_times.append(run(slipway_program(documents), Recorder()))
            raw = Recorder()
            raw_times.append(run(raw_program(custom), raw))
            # The raw program must register exactly what Slipway did, or the ratio means nothing.
            assert canonical(raw.registered) == canonical(custom)
        slipway_s = statistics.median(slipway_times)
        raw_s = statistics.median(raw_times)
        print(f"{size:>8} {len(custom):>9} {slipway_s:>10.3f} {raw_s:>8.3f} "
              f"{slipway_s / raw_s:>6.2f}")


if __name__ == "__main__":
    main()
