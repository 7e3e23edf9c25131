"""The bad-catalog corpus: every case in tests/bad_specs fails with exactly its expected lines.

Each case directory holds `services/` (the files to load), `expected.txt` (the exact problems,
in order) and optionally `environment.txt` (dev, prod or pr-N). See tests/bad_specs/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slipway.spec import SpecError, load_catalog

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "bad_specs"
EXAMPLES = REPO / "services"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def _environment(case: Path) -> str | None:
    path = case / "environment.txt"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def _expected(case: Path) -> list[str]:
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_bad_catalog_fails_with_expected_problems(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _expected(case)
    assert expected, f"{case.name}/expected.txt names no problem"
    monkeypatch.chdir(case)

    with pytest.raises(SpecError) as caught:
        load_catalog(Path("services"), _environment(case))

    assert caught.value.problems == expected
    assert str(caught.value) == "\n".join(expected)


def test_corpus_covers_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


def test_every_case_is_complete() -> None:
    for case in CASES:
        services = case / "services"
        assert services.is_dir(), f"{case.name} has no services/ directory"
        assert any(services.iterdir()), f"{case.name}/services is empty"
        assert (case / "expected.txt").is_file(), f"{case.name} has no expected.txt"
        environment = _environment(case)
        assert environment in (None, "dev", "prod", "pr-7"), f"{case.name}: {environment!r}"


def test_every_service_file_starts_by_saying_what_is_wrong() -> None:
    """Files that cannot hold a comment (UTF-16, a symlink, a directory) are explained in the
    case's about.txt instead."""
    for case in CASES:
        about = case / "about.txt"
        if about.is_file():
            assert about.read_text(encoding="utf-8").strip(), f"{case.name}/about.txt is empty"
            continue
        for path in (case / "services").iterdir():
            if path.is_symlink() or not path.is_file():
                continue
            first = path.read_text(encoding="utf-8").splitlines()[0]
            assert first.startswith("# "), f"{case.name}/services/{path.name}: {first!r}"


# Every secret value written into the corpus holds this canary (a token's body, a password, a
# PEM block), so that a message printing any of them fails here.
CANARY = "c4n4ry"


def _problems(case: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(case)
    with pytest.raises(SpecError) as caught:
        load_catalog(Path("services"), _environment(case))
    return caught.value.problems


def test_no_message_of_the_corpus_prints_a_canary_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    carrying = [case for case in CASES if any(
        CANARY.encode() in path.read_bytes()
        for path in (case / "services").iterdir() if path.is_file() and not path.is_symlink())]
    assert len(carrying) >= 15, "the corpus lost its canary secrets"

    for case in carrying:
        for line in _problems(case, monkeypatch):
            assert CANARY not in line, f"{case.name}: {line}"


# One case per fixed bug, so that deleting the case cannot hide the bug coming back.
REGRESSION_CASES = [
    "calls-service-whose-file-is-broken",
    "disruption-max-unavailable-percent-keeps-no-pod",
    "disruption-min-available-zero",
    "disruption-min-available-zero-percent",
    "egress-ports-empty",
    "environment-override-unknown-field",
    "exposure-host-without-public",
    "override-broken-for-another-environment",
    "override-broken-in-two-environments",
    "release-max-surge-not-a-count",
    # Session 5: each general rule keeps one case.
    "override-breaks-serves-majors",
    "secret-password-option-wrong-type",
    "value-number-quoted",
    "value-quantity-hex",
    "yaml-escaped-control-character",
    "yaml-hidden-line-break",
]


@pytest.mark.parametrize("name", REGRESSION_CASES)
def test_corpus_keeps_a_case_for_every_fixed_bug(name: str) -> None:
    assert (CORPUS / name) in CASES


def test_every_expected_line_names_a_service_file() -> None:
    for case in CASES:
        files = {f"services/{p.name}" for p in (case / "services").iterdir()}
        for line in _expected(case):
            source = line.split(": ", 1)[0]
            assert source in files, f"{case.name}: {line!r} names no file of the case"


@pytest.mark.parametrize("environment", [None, "dev", "prod", "pr-7"])
def test_good_examples_load_in_every_environment(
    environment: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    expected = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))

    catalog = load_catalog(Path("services"), environment)

    assert sorted(catalog.services) == expected
    assert len(expected) >= 5
    assert catalog.sources["orders"] == "services/orders.yaml"
