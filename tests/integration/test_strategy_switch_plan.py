"""The real engine's plan for switching a live service's release strategy: in one update it
would replace the Deployment (a selector is immutable), so `up` refuses it; each of the three
updates `slipway release switch` runs previews without a single replacement, and the switch
ends on the new strategy's objects only."""

from __future__ import annotations

from pulumi import automation as auto

from engine_project import Project
from slipway.tooling import progress, releases

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
REPLACING = ("replace", "create-replacement", "delete-replaced")


def planned_ops(events: list[auto.EngineEvent]) -> dict[str, set[str]]:
    """URN -> the operations a preview planned for it (only those that change something; a
    replacement shows as several)."""
    ops: dict[str, set[str]] = {}
    for event in events:
        if event.resource_pre_event is not None:
            metadata = event.resource_pre_event.metadata
            op = str(getattr(metadata.op, "value", metadata.op))
            if op != "same":
                ops.setdefault(metadata.urn, set()).add(op)
    return ops


def preview(stack: auto.Stack) -> dict[str, set[str]]:
    events: list[auto.EngineEvent] = []
    stack.preview(on_event=events.append, color="never")
    return planned_ops(events)


def to_canary(project: Project) -> None:
    payments = project.services / "payments.yaml"
    payments.write_text(payments.read_text() + "release: {strategy: canary}\n")


def deployment_ops(ops: dict[str, set[str]]) -> dict[str, set[str]]:
    return {urn.rsplit("::", 1)[1]: op for urn, op in ops.items() if f"{DEPLOYMENT}::" in urn}


def test_one_update_would_replace_the_deployment_but_no_update_of_the_switch_does(
        project: Project) -> None:
    project.up()
    to_canary(project)
    stack = project.stack()
    # Without the recorded strategy (a bare run), the engine plans a replacement: the outage.
    progress.hand_off(stack, progress.Recorded(), {})
    assert deployment_ops(preview(stack))["payments-deployment"] & set(REPLACING)
    try:
        project.up()
    except auto.errors.CommandError as err:
        assert "slipway release switch payments --stack dev" in str(err)
    else:
        raise AssertionError("the strategy change went through in one update")

    target = releases.target("dev", project.path, "payments")
    steps = releases.switch(target.spec, target.state, target.recorded.running.get("payments"))
    planned = []
    for step in steps:
        progress.hand_off(target.stack, target.recorded,
                          {**target.recorded.states, step.service: step.state})
        ops = preview(target.stack)
        assert not [urn for urn, found in ops.items() if found & set(REPLACING)], ops
        planned.append(deployment_ops(ops))
        releases.apply(target, step)
    # The rolling Deployment goes with the first update and the canary stable track (same
    # name, new selector) comes with the second: a delete and a create, never a replace.
    assert planned[0] == {"payments-deployment-bridge": {"create"},
                          "payments-deployment": {"delete"}}
    assert planned[1] == {"payments-deployment": {"create"}}
    assert planned[2] == {"payments-deployment": {"update"},
                          "payments-deployment-bridge": {"delete"}}
    names = {r["outputs"]["metadata"]["name"] for r in project.resources()
             if r["type"] == DEPLOYMENT and r["urn"].endswith(("payments-deployment",
                                                               "payments-deployment-bridge"))}
    assert names == {"payments"}
    assert "switch" not in project.progress()["payments"]
