"""What an update does with the service file's version (release_progress.reconcile) and how the
tool hands the recorded progress to the program (slipway.stack.progress)."""

from __future__ import annotations

import pytest

from microservice_fixtures import IMAGE, spec
from slipway.release_progress import reconcile
from slipway.release_state import FailedRelease, ReleaseRef, ReleaseState
from slipway.spec import SpecError
from slipway.spec.catalog import Catalog
from slipway.stack.progress import Handoff, apply_to_catalog, decode, dump, encode, parse

OLD = ReleaseRef(version="1.2.0", image="registry.example.com/team/api@sha256:" + "a" * 64)
FILE = ReleaseRef(version="1.2.3", image=IMAGE)  # what the fixture's file says
MID = ReleaseRef(version="1.2.1", image="registry.example.com/team/api@sha256:" + "c" * 64)
CANARY = spec(release={"strategy": "canary"})
BLUE_GREEN = spec(release={"strategy": "blue-green"})
ROLLING = spec()


def test_a_service_never_deployed_runs_its_file_version() -> None:
    result = reconcile(CANARY, None)
    assert result.change == "first"
    assert result.state == ReleaseState(stable=FILE)


def test_nothing_changes_when_the_file_says_what_runs() -> None:
    result = reconcile(CANARY, ReleaseState(stable=FILE))
    assert (result.change, result.note) == ("none", "")


def test_rolling_service_rolls_the_new_version_in_this_update() -> None:
    result = reconcile(ROLLING, ReleaseState(stable=OLD))
    assert result.change == "rolled"
    assert result.state.stable == FILE
    assert "1.2.0 -> 1.2.3 rolls out (rolling)" in result.note


def test_canary_version_change_starts_the_release_at_the_first_step() -> None:
    result = reconcile(CANARY, ReleaseState(stable=OLD))
    assert result.change == "started"
    assert result.state == ReleaseState(stable=OLD, candidate=FILE, weight=1)
    assert "starts at 1% of traffic" in result.note
    assert "slipway deliver" in result.note


def test_blue_green_version_change_starts_in_the_idle_slot() -> None:
    result = reconcile(BLUE_GREEN, ReleaseState(stable=OLD, live="green"))
    assert result.state == ReleaseState(stable=OLD, candidate=FILE, weight=0, live="green")
    assert "idle blue slot" in result.note


def test_a_release_in_flight_is_left_where_it_is() -> None:
    state = ReleaseState(stable=OLD, candidate=FILE, weight=25)
    result = reconcile(CANARY, state)
    assert (result.change, result.state) == ("in-flight", state)


def test_a_reverted_bump_rolls_the_release_in_flight_back() -> None:
    result = reconcile(spec(version="1.2.0", image=OLD.image, release={"strategy": "canary"}),
                       ReleaseState(stable=OLD, candidate=FILE, weight=25))
    assert result.change == "reverted"
    assert result.state == ReleaseState(stable=OLD)


def test_a_reverted_bump_flips_a_flipped_blue_green_release_back() -> None:
    reverted = spec(version="1.2.0", image=OLD.image, release={"strategy": "blue-green"})
    result = reconcile(reverted, ReleaseState(stable=OLD, candidate=FILE, weight=100,
                                              live="green"))
    assert result.state == ReleaseState(stable=OLD, live="blue")


def test_a_newer_bump_supersedes_the_release_in_flight() -> None:
    result = reconcile(CANARY, ReleaseState(stable=OLD, candidate=MID, weight=25))
    assert result.change == "superseded"
    assert result.state == ReleaseState(stable=OLD, candidate=FILE, weight=1)
    assert "1.2.1 is superseded by 1.2.3" in result.note


def test_a_version_rolled_back_before_is_not_released_again() -> None:
    failed = [FailedRelease(version=FILE.version, image=FILE.image, reason="errors 5%")]
    result = reconcile(CANARY, ReleaseState(stable=OLD, failed=failed))
    assert result.change == "failed-before"
    assert result.state.stable == OLD and result.state.candidate is None
    assert "errors 5%" in result.note


def test_a_new_image_of_a_failed_version_is_released() -> None:
    failed = [FailedRelease(version=FILE.version, image=MID.image)]
    assert reconcile(CANARY, ReleaseState(stable=OLD, failed=failed)).change == "started"


def test_handoff_round_trips_through_its_environment_variable() -> None:
    handoff = Handoff(recorded={"api": ReleaseState(stable=OLD)},
                      intent={"api": ReleaseState(stable=OLD, candidate=FILE, weight=5)})
    assert decode(encode(handoff)) == handoff
    assert decode(None) is None and decode("") is None


def test_dump_leaves_out_empty_keys() -> None:
    assert dump({"api": ReleaseState(stable=OLD)}) == {
        "api": {"stable": {"version": "1.2.0", "image": OLD.image}}}


def test_broken_progress_names_where_it_came_from() -> None:
    with pytest.raises(SpecError, match=r"output releases\.api: .*weight"):
        parse({"api": {"weight": 500}}, "output releases")


def test_intent_wins_and_other_services_reconcile() -> None:
    other = spec(name="web", release={"strategy": "canary"})
    catalog = Catalog(services={"api": CANARY, "web": other})
    intent = ReleaseState(stable=OLD, candidate=FILE, weight=25)
    result = apply_to_catalog(catalog, Handoff(recorded={"api": ReleaseState(stable=OLD),
                                                         "web": ReleaseState(stable=OLD)},
                                               intent={"api": intent}))
    assert result["api"].state == intent
    assert result["web"].change == "started"


def test_intent_for_a_service_no_longer_in_the_catalog_is_dropped() -> None:
    result = apply_to_catalog(Catalog(services={"api": CANARY}),
                              Handoff(intent={"gone": ReleaseState(stable=OLD)}))
    assert list(result) == ["api"]


def test_a_gated_stack_refuses_a_version_change_in_an_update_naming_deliver() -> None:
    handoff = Handoff(recorded={"api": ReleaseState(stable=OLD)})
    with pytest.raises(SpecError, match=r"version: 1\.2\.3 is delivered to prod by `slipway "
                       r"deliver --stack prod`, which first checks that dev"):
        apply_to_catalog(Catalog(services={"api": CANARY}), handoff, gated_by="dev",
                         stack="prod")


def test_a_gated_stack_previews_the_change_it_would_deliver() -> None:
    handoff = Handoff(recorded={"api": ReleaseState(stable=OLD)})
    result = apply_to_catalog(Catalog(services={"api": CANARY}), handoff, gated_by="dev",
                              applying=False, stack="prod")
    assert result["api"].change == "started"
    assert "`slipway deliver --stack prod`" in result["api"].note
    assert "after dev has verified it" in result["api"].note


def test_a_review_stack_runs_every_file_version_at_once() -> None:
    handoff = Handoff(recorded={"api": ReleaseState(stable=OLD)})
    result = apply_to_catalog(Catalog(services={"api": CANARY}), handoff, direct=True)
    assert result["api"].state == ReleaseState(stable=FILE)
