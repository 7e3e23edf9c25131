"""Breaking changes wait for their consumers: the cross-service major version check that
preview, up and deliver share (slipway.stack.checks)."""

from __future__ import annotations

from typing import Any

import pytest

from slipway import SpecError
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.spec.catalog import Catalog
from slipway.spec.service import ServiceSpec
from slipway.stack.checks import callers_not_ready, check_call_majors, major_refusal

DIGEST = "@sha256:" + "0" * 64


def spec(name: str, version: str, **fields: Any) -> ServiceSpec:
    return ServiceSpec.model_validate({"name": name, "version": version,
                                       "image": f"registry.example.com/shop/{name}{DIGEST}",
                                       **fields})


def ref(name: str, version: str) -> ReleaseRef:
    return ReleaseRef(version=version, image=f"registry.example.com/shop/{name}{DIGEST}")


def catalog(*specs: ServiceSpec) -> Catalog:
    return Catalog(services={s.name: s for s in specs},
                   sources={s.name: f"services/{s.name}.yaml" for s in specs})


RUNS_1 = {"stock": ReleaseState(stable=ref("stock", "1.4.0"))}
"""stock 1.4.0 is what runs (recorded progress)."""
ROLLS_TO_2 = {"stock": ReleaseState(stable=ref("stock", "2.0.0"))}


def test_a_major_bump_is_refused_naming_the_callers_that_only_know_the_current_major() -> None:
    services = catalog(spec("stock", "2.0.0"), spec("web", "1.0.0", calls=["stock"]),
                       spec("api", "1.0.0", calls=[{"service": "stock"}]),
                       spec("other", "1.0.0"))
    with pytest.raises(SpecError) as caught:
        check_call_majors(services, RUNS_1, ROLLS_TO_2)
    assert caught.value.problems == [
        "services/stock.yaml: version: 2.0.0 is major 2 (1.4.0 runs), and callers are not "
        "ready: api (services/api.yaml: calls accepts stock major 1, the default: its current "
        "major); web (services/web.yaml: calls accepts stock major 1, the default: its current "
        "major). Each caller lists the new major in its calls entry (e.g. calls: [{service: "
        "stock, majors: [1, 2]}]), or stock declares compatibility.servesMajors: [1] while it "
        "still serves the 1.x API"]


def test_a_major_bump_goes_ahead_once_every_caller_lists_the_new_major() -> None:
    services = catalog(spec("stock", "2.0.0"),
                       spec("web", "1.0.0", calls=[{"service": "stock", "majors": [1, 2]}]))
    check_call_majors(services, RUNS_1, ROLLS_TO_2)


def test_only_the_callers_without_the_new_major_are_named() -> None:
    services = catalog(spec("stock", "2.0.0"),
                       spec("web", "1.0.0", calls=[{"service": "stock", "majors": [1, 2]}]),
                       spec("api", "1.0.0", calls=[{"service": "stock", "majors": [1]}]))
    unready = callers_not_ready(services.services, "stock", ["1.4.0", "2.0.0"], RUNS_1)
    assert [(u.caller, u.accepts, u.declared) for u in unready] == [("api", [1], True)]


def test_a_service_that_keeps_serving_the_old_major_need_not_wait() -> None:
    services = catalog(spec("stock", "2.0.0", compatibility={"servesMajors": [1]}),
                       spec("web", "1.0.0", calls=["stock"]))
    check_call_majors(services, RUNS_1, ROLLS_TO_2)


def test_a_canary_needs_callers_that_work_with_both_majors_it_serves() -> None:
    # Traffic splits between 1.4.0 and 2.0.0: a caller that only knows 2 breaks on stable.
    services = catalog(spec("stock", "2.0.0"),
                       spec("web", "1.0.0", calls=[{"service": "stock", "majors": [2]}]))
    canary = {"stock": ReleaseState(stable=ref("stock", "1.4.0"),
                                    candidate=ref("stock", "2.0.0"), weight=5)}
    with pytest.raises(SpecError, match=r"web \(services/web.yaml: calls accepts stock major 2\)"):
        check_call_majors(services, RUNS_1, canary)


def test_a_minor_bump_needs_nothing_from_the_callers() -> None:
    services = catalog(spec("stock", "1.5.0"), spec("web", "1.0.0", calls=["stock"]))
    check_call_majors(services, RUNS_1, {"stock": ReleaseState(stable=ref("stock", "1.5.0"))})


def test_before_the_first_deployment_a_plain_call_works_with_the_file_major() -> None:
    services = catalog(spec("stock", "3.0.0"), spec("web", "1.0.0", calls=["stock"]))
    check_call_majors(services, {}, {"stock": ReleaseState(stable=ref("stock", "3.0.0"))})


def test_once_the_new_major_runs_a_plain_call_works_with_it() -> None:
    services = catalog(spec("stock", "2.0.0"), spec("web", "1.0.0", calls=["stock"]))
    check_call_majors(services, ROLLS_TO_2, ROLLS_TO_2)


def test_a_bump_held_back_at_the_recorded_version_is_not_refused() -> None:
    # deliver pins a refused service to what runs while it applies the others' steps.
    services = catalog(spec("stock", "2.0.0"), spec("web", "1.0.0", calls=["stock"]))
    check_call_majors(services, RUNS_1, RUNS_1)


def test_a_caller_listing_only_majors_the_callee_does_not_serve_is_refused() -> None:
    services = catalog(spec("stock", "1.4.0"),
                       spec("web", "1.0.0", calls=[{"service": "stock", "majors": [2, 3]}]))
    refusal = major_refusal(services.services, services.sources, "stock", ["1.4.0"], RUNS_1)
    # Nothing changes major: the caller's own entry is the cause, so its file and field lead.
    assert refusal == (
        "services/web.yaml: calls[0].majors: lists stock majors 2, 3, but stock "
        "(services/stock.yaml) serves major 1 (version 1.4.0): list 1 in majors, or leave "
        "majors out to follow stock's current major")


def test_a_major_downgrade_is_a_breaking_change_too() -> None:
    services = catalog(spec("stock", "1.4.0"), spec("web", "1.0.0", calls=["stock"]))
    with pytest.raises(SpecError, match=r"version: 1.4.0 is major 1 \(2.0.0 runs\)"):
        check_call_majors(services, ROLLS_TO_2, RUNS_1)


def test_calls_keep_their_plain_form_and_expose_names_and_majors() -> None:
    web = spec("web", "1.0.0", calls=["orders", {"service": "stock", "majors": [2, 1]}])
    assert web.callees == ["orders", "stock"]
    assert web.majors_accepted("stock") == [1, 2]
    assert web.majors_accepted("orders") is None


def test_served_majors_are_the_own_major_and_the_declared_older_ones() -> None:
    assert spec("stock", "3.1.0", compatibility={"servesMajors": [1, 2]}).served_majors == \
        [1, 2, 3]
    assert spec("stock", "3.1.0").served_majors == [3]
