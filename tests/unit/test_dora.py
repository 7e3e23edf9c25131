"""DORA measures and the catalog from hand-built histories (figures computed by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipway.tooling.dora import catalog, changes, deployed_by, measure
from slipway.tooling.history import ServiceVersion, SourceCommit, Update

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)
ORDERS_A = ServiceVersion("1.0.0", "registry.example.com/shop/orders@sha256:" + "a" * 64)
ORDERS_B = ServiceVersion("1.1.0", "registry.example.com/shop/orders@sha256:" + "b" * 64)
PAYMENTS = ServiceVersion("2.0.0", "registry.example.com/shop/payments@sha256:" + "c" * 64)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hour, minutes=minute)


def update(version: int, message: str, start: datetime, *, minutes: float = 1,
           result: str = "succeeded", kind: str = "update", committed: datetime | None = None,
           services: dict[str, ServiceVersion] | None = None) -> Update:
    return Update(version=version, kind=kind, result=result, message=message, start=start,
                  end=start + timedelta(minutes=minutes), author="Ada <ada@example.com>",
                  commit=f"{version:040x}", commit_time=committed, services=services)


# Releases only (no per-update outputs): what any backend gives.
RELEASES = [
    update(1, "slipway release start orders 1.1.0", at(0, 10), committed=at(0, 9)),
    update(2, "slipway release step orders 1.1.0 weight=25", at(0, 10, 10)),
    update(3, "slipway release promote orders 1.1.0", at(0, 10, 20)),       # lead 81 min
    update(4, "slipway release start payments 2.0.0", at(1, 12), committed=at(1, 11)),
    update(5, "slipway release rollback payments 2.0.0", at(1, 12, 30), minutes=2),  # TTR 32
    update(6, "slipway release start payments 2.0.1", at(2, 9), committed=at(2, 8)),
    update(7, "slipway release promote payments 2.0.1", at(2, 9, 30)),      # lead 91 min
    update(8, "slipway release promote orders 1.2.0", at(3, 10), minutes=2, result="failed",
           committed=at(3, 9, 40)),
    update(9, "slipway release promote orders 1.2.0", at(3, 11), minutes=5),  # lead 85, TTR 65
    update(10, "", at(4, 8), kind="refresh"),
    update(11, "slipway up", at(4, 9)),
]


def test_deployment_frequency_counts_deployed_changes_per_day() -> None:
    result = measure(RELEASES, since=at(0, 0), until=at(10, 0))
    assert result.deployments == 3
    assert result.deployment_frequency_per_day == pytest.approx(0.3)


def test_lead_time_runs_from_the_released_commit_to_the_deploy() -> None:
    result = measure(RELEASES, since=at(0, 0), until=at(10, 0))
    assert result.lead_times == [timedelta(minutes=81), timedelta(minutes=91),
                                 timedelta(minutes=85)]
    assert result.lead_time_median == timedelta(minutes=85)


def test_rollbacks_and_failed_updates_are_failed_changes() -> None:
    result = measure(RELEASES, since=at(0, 0), until=at(10, 0))
    assert (result.failed_changes, result.finished_changes) == (2, 4)
    assert result.change_failure_rate == 0.5
    assert [(c.service, c.version, c.failed and c.failed.version,
             c.restored and c.restored.version) for c in result.failures] == [
        ("payments", "2.0.0", 5, 5), ("orders", "1.2.0", 8, 9)]


def test_time_to_restore_runs_from_the_failed_release_start_to_the_restoring_update() -> None:
    result = measure(RELEASES, since=at(0, 0), until=at(10, 0))
    assert result.restore_times == [timedelta(minutes=32), timedelta(minutes=65)]
    assert result.time_to_restore_median == timedelta(minutes=48.5)
    assert result.unrestored == 0


def test_the_period_bounds_every_measure() -> None:
    result = measure(RELEASES, since=at(1, 0), until=at(10, 0))
    assert result.deployments == 2
    assert result.deployment_frequency_per_day == pytest.approx(2 / 9)
    assert result.lead_times == [timedelta(minutes=91), timedelta(minutes=85)]
    assert (result.failed_changes, result.finished_changes) == (2, 3)
    assert measure(RELEASES, since=at(5, 0), until=at(10, 0)).as_dict()["changeFailureRate"] \
        == {"failed": 0, "finished": 0, "rate": None}


def test_a_rollback_after_promotion_fails_the_deployed_change() -> None:
    history = [
        update(1, "slipway release start orders 1.1.0", at(0, 10), committed=at(0, 9, 30)),
        update(2, "slipway release promote orders 1.1.0", at(0, 11)),
        update(3, "slipway release rollback orders 1.1.0", at(1, 10), minutes=3),
    ]
    result = measure(history, since=at(0, 0), until=at(2, 0))
    assert result.deployments == 1
    assert result.change_failure_rate == 1.0
    assert result.restore_times == [timedelta(days=1, minutes=3)]


def test_an_unrestored_failure_is_counted_without_a_restore_time() -> None:
    history = [update(1, "slipway release promote orders 1.1.0", at(0, 10), result="failed")]
    result = measure(history, since=at(0, 0), until=at(1, 0))
    assert (result.failed_changes, result.unrestored, result.restore_times) == (1, 1, [])
    assert result.time_to_restore_median is None
    assert result.lead_time_median is None


def test_a_new_start_after_a_rollback_is_a_new_change() -> None:
    history = [
        update(1, "slipway release start orders 1.1.0", at(0, 10)),
        update(2, "slipway release rollback orders 1.1.0", at(0, 11)),
        update(3, "slipway release start orders 1.1.0", at(0, 12)),
        update(4, "slipway release promote orders 1.1.0", at(0, 13)),
    ]
    found = changes(history)
    assert [(c.version, c.started.version, c.deployed and c.deployed.version,
             c.failed and c.failed.version) for c in found] == [
        ("1.1.0", 1, None, 2), ("1.1.0", 3, 4, None)]


# `slipway up`s with per-update outputs (the local file backend's checkpoints).
UPS = [
    update(1, "slipway up", at(0, 10), minutes=2, committed=at(0, 9),
           services={"orders": ORDERS_A, "payments": PAYMENTS}),
    update(2, "slipway up", at(0, 12), services={"orders": ORDERS_A, "payments": PAYMENTS}),
    update(3, "slipway up", at(1, 10), committed=at(1, 9, 50),
           services={"orders": ORDERS_B, "payments": PAYMENTS}),
    update(4, "slipway release rollback orders 1.1.0", at(1, 10, 20), minutes=4,
           services={"orders": ORDERS_A, "payments": PAYMENTS}),
    update(5, "slipway up", at(1, 11), result="failed",
           services={"orders": ORDERS_B, "payments": PAYMENTS}),
    update(6, "slipway up", at(2, 10), services={"orders": ORDERS_A, "payments": PAYMENTS}),
]


def test_outputs_reveal_changes_made_without_release_messages() -> None:
    found = changes(UPS)
    assert [(c.service, c.version, c.started.version, c.deployed and c.deployed.version,
             c.failed and c.failed.version, c.restored and c.restored.version)
            for c in found] == [
        ("orders", "1.0.0", 1, 1, None, None),
        ("payments", "2.0.0", 1, 1, None, None),
        ("orders", "1.1.0", 3, 3, 4, 4),
        ("orders", "1.1.0", 5, None, 5, 6),
    ]
    result = measure(UPS, since=at(0, 0), until=at(3, 0))
    assert result.deployments == 3
    assert result.lead_times == [timedelta(minutes=62), timedelta(minutes=62),
                                 timedelta(minutes=11)]
    assert (result.failed_changes, result.finished_changes, result.unrestored) == (2, 4, 0)
    # The failed up (day 1 11:00) is restored by the next successful up (ends day 2 10:01).
    assert result.restore_times == [timedelta(minutes=24), timedelta(hours=23, minutes=1)]


def test_catalog_names_the_update_that_first_deployed_the_running_version() -> None:
    current = {"orders": ORDERS_A, "payments": PAYMENTS}
    entries = catalog(current, UPS)
    # orders went to 1.1.0 and back: 1.0.0 runs since the rollback; payments since the start.
    assert [(e.service, e.deployed_by and e.deployed_by.version) for e in entries] == [
        ("orders", 4), ("payments", 1)]
    assert entries[1].as_dict() == {
        "service": "payments", "version": "2.0.0", "image": PAYMENTS.image,
        "deployedAt": "2026-11-01T10:02:00+00:00", "deployedBy": "Ada <ada@example.com>",
        "update": 1, "updateMessage": "slipway up", "commit": f"{1:040x}",
        "commitMessage": None, "sourceCommit": None,
    }


def test_catalog_falls_back_to_release_messages_without_outputs() -> None:
    current = {"orders": ServiceVersion("1.2.0", "img-o"),
               "payments": ServiceVersion("2.0.1", "img-p"),
               "search": ServiceVersion("0.1.0", "img-s")}
    assert [(e.service, e.deployed_by and e.deployed_by.version)
            for e in catalog(current, RELEASES)] == [
        ("orders", 9), ("payments", 7), ("search", None)]
    assert deployed_by("payments", ServiceVersion("2.0.0", "img"), RELEASES) is None


def test_blue_green_is_deployed_by_the_flip_not_the_finishing_promote() -> None:
    history = [
        update(1, "slipway release start orders 1.1.0", at(0, 10), committed=at(0, 9)),
        update(2, "slipway release flip orders 1.1.0", at(0, 10, 30)),
        update(3, "slipway release promote orders 1.1.0", at(0, 11)),
    ]
    (change,) = changes(history)
    assert change.deployed is history[1]
    assert change.lead_time() == timedelta(minutes=91)


def test_outputs_show_a_release_that_went_live_without_a_promote() -> None:
    history = [
        update(1, "slipway up", at(0, 10), services={"orders": ORDERS_A}),
        # A canary whose first step is 100: `start` makes the candidate stable at once.
        update(2, "slipway release start orders 1.1.0", at(0, 11),
               services={"orders": ORDERS_B}),
    ]
    assert [(c.version, c.deployed and c.deployed.version) for c in changes(history)] == [
        ("1.0.0", 1), ("1.1.0", 2)]
    # Without outputs the same start is only under way.
    bare = [update(2, "slipway release start orders 1.1.0", at(0, 11))]
    assert [c.deployed for c in changes(bare)] == [None]


def test_the_image_source_commit_comes_first_for_lead_time() -> None:
    sources = {("orders", "1.1.0"): SourceCommit("abc1234", at(0, 8)),
               ("payments", "2.0.1"): SourceCommit("def5678", None)}  # not in the repository
    result = measure(RELEASES, since=at(0, 0), until=at(10, 0), sources=sources)
    # orders 1.1.0 from 08:00 (not the 09:00 HEAD); payments falls back to its HEAD.
    assert result.lead_times == [timedelta(minutes=141), timedelta(minutes=91),
                                 timedelta(minutes=85)]
    entries = catalog({"orders": ServiceVersion("1.1.0", "img")}, RELEASES, sources)
    assert entries[0].as_dict()["sourceCommit"] == "abc1234"
    assert catalog({"orders": ServiceVersion("1.2.0", "img")}, RELEASES,
                   sources)[0].source_commit is None


# What `slipway deliver` writes: supersede, roll and verify, with the commit in the message.
DELIVERIES = [
    update(1, "slipway release start orders 1.1.0 commit=aaaaaaa", at(0, 10)),
    update(2, "slipway release supersede orders 1.1.0 commit=bbbbbbb", at(0, 11)),
    update(3, "slipway release start orders 1.2.0 commit=bbbbbbb", at(0, 11, 5)),
    update(4, "slipway release promote orders 1.2.0 commit=bbbbbbb", at(0, 11, 30)),
    update(5, "slipway release roll payments 2.0.0 commit=ccccccc", at(1, 9)),
    update(6, "slipway release verify payments 2.0.0 commit=ccccccc", at(1, 9, 10)),
]


def test_a_superseded_release_is_neither_deployed_nor_a_failure() -> None:
    found = changes(DELIVERIES)
    assert [(c.service, c.version, c.deployed is not None, c.failed is not None,
             c.superseded is not None) for c in found] == [
        ("orders", "1.1.0", False, False, True),
        ("orders", "1.2.0", True, False, False),
        ("payments", "2.0.0", True, False, False),
    ]
    result = measure(DELIVERIES, since=at(0, 0), until=at(2, 0))
    assert (result.deployments, result.failed_changes, result.finished_changes) == (2, 0, 2)


def test_a_rolling_roll_out_rolled_back_after_its_gate_is_a_failure() -> None:
    history = [update(1, "slipway release roll payments 2.0.0", at(1, 9)),
               update(2, "slipway release rollback payments 2.0.0", at(1, 9, 10))]
    [change] = changes(history)
    assert change.deployed is not None and change.failed is not None
    assert change.restored is not None
