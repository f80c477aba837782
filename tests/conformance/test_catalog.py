"""Catalog loading and validation, and version/kind applicability."""

from __future__ import annotations

import pytest

from conformance import catalog

GOOD = """
[[behavior]]
id = "UPSERT-OVERWRITES"
area = "upsert"
level = "MUST"
statement = "s"
source = "seed"

[[behavior]]
id = "NS-LIST"
area = "namespaces"
level = "SHOULD"
statement = "s"
source = "digest"
min_version = "2025-04"
max_version = "2026-04"
kinds = ["dense"]
"""


def test_parse_good() -> None:
    cat = catalog.parse(GOOD)
    assert list(cat) == ["UPSERT-OVERWRITES", "NS-LIST"]
    ns = cat["NS-LIST"]
    assert ns.kinds == ("dense",) and ns.level == "SHOULD"


@pytest.mark.parametrize(
    ("version", "applies"),
    [
        ("2025-01", False),
        ("2025-04", True),
        ("2026-04", True),
        ("2026-07", False),
        ("2025-10.x", True),
    ],
)
def test_version_range(version, applies) -> None:
    assert catalog.parse(GOOD)["NS-LIST"].applies_to_version(version) is applies


@pytest.mark.parametrize(
    ("kind", "applies"), [("dense", True), ("hybrid", True), ("sparse", False)]
)
def test_kinds(kind, applies) -> None:
    assert catalog.parse(GOOD)["NS-LIST"].applies_to_kind(kind) is applies
    assert catalog.parse(GOOD)["UPSERT-OVERWRITES"].applies_to_kind(kind)


BASE = 'id = "A"\narea = "upsert"\nlevel = "MUST"\nstatement = "s"\nsource = "x"\n'


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('id = "A"\narea = "upsert"\nlevel = "MUST"\nstatement = "s"', "missing 'source'"),
        (
            'id = "a-b"\narea = "upsert"\nlevel = "MUST"\nstatement = "s"\nsource = "x"',
            "upper-case",
        ),
        (
            'id = "A"\narea = "upsert"\nlevel = "MAY"\nstatement = "s"\nsource = "x"',
            "MUST or SHOULD",
        ),
        (
            BASE + 'min_version = "2025"',
            "YYYY-MM",
        ),
        (
            BASE + 'kinds = ["pod"]',
            "kinds",
        ),
        (
            'id = "A"\narea = "upsert"\nlevel = "MUST"\nstatement = "s"\nsource = "x"\nextra = 1',
            "unknown field",
        ),
        (
            'id = "A"\narea = "upsert"\nlevel = "MUST"\nstatement = "s"\nsource = "x"\n'
            'min_version = "2026-01"\nmax_version = "2025-01"',
            "after max_version",
        ),
    ],
)
def test_invalid_entries(entry, problem) -> None:
    with pytest.raises(catalog.CatalogError, match=problem):
        catalog.parse("[[behavior]]\n" + entry)


def test_duplicate_ids() -> None:
    with pytest.raises(catalog.CatalogError, match="duplicate id UPSERT-OVERWRITES"):
        catalog.parse(GOOD + GOOD)


def test_empty_and_missing() -> None:
    with pytest.raises(catalog.CatalogError, match="no \\[\\[behavior\\]\\]"):
        catalog.parse("")
    with pytest.raises(catalog.CatalogError, match="cannot read"):
        catalog.load("/nonexistent/behaviors.toml")


def test_match_wildcards() -> None:
    cat = catalog.parse(GOOD)
    assert cat.match("upsert-*") == ["UPSERT-OVERWRITES"]
    assert cat.match("NOPE") == []


def test_marker_problems() -> None:
    cat = catalog.parse(GOOD)
    assert catalog.marker_problem([], cat) == "has no @pytest.mark.behavior(ID) marker"
    assert "NOPE" in catalog.marker_problem(["NOPE"], cat)
    assert catalog.marker_problem(["NS-LIST"], cat) is None


def test_packaged_catalog_is_valid() -> None:
    if not catalog.DEFAULT_PATH.exists():
        pytest.skip("no packaged catalog yet")
    assert len(catalog.load()) > 0


PARITY = (
    GOOD
    + """
[[behavior]]
id = "NE-MISSING"
area = "filters"
level = "SHOULD"
statement = "s"
source = "seed: reference server"
profile = "reference-parity"
"""
)


def test_reference_parity_only_in_its_own_profile() -> None:
    cat = catalog.parse(PARITY)
    parity, seed = cat["NE-MISSING"], cat["UPSERT-OVERWRITES"]
    assert parity.parity_only and not seed.parity_only
    assert not catalog.in_profile("full", parity) and not catalog.in_profile("core", parity)
    assert catalog.in_profile("reference-parity", parity)
    assert all(catalog.in_profile("reference-parity", b) for b in cat.values())
    assert catalog.in_profile("full", seed) and not catalog.in_profile("core", seed)  # "seed"
    assert set(catalog.PROFILES) == {"core", "full", "reference-parity"}


def test_profile_field_is_checked() -> None:
    with pytest.raises(catalog.CatalogError, match="profile must be reference-parity"):
        catalog.parse("[[behavior]]\n" + BASE + 'profile = "full"')


@pytest.mark.parametrize(
    ("transports", "rest", "grpc"),
    [(None, True, True), ('["rest"]', True, False), ('["grpc"]', False, True)],
)
def test_transports(transports, rest, grpc) -> None:
    """A behavior exists over both wire forms unless its entry names the ones it exists in."""
    entry = BASE + (f"transports = {transports}\n" if transports else "")
    behavior = catalog.parse("[[behavior]]\n" + entry)["A"]
    assert behavior.applies_to_transport("rest") is rest
    assert behavior.applies_to_transport("grpc") is grpc


@pytest.mark.parametrize("value", ["[]", '["http"]', '"rest"', '["rest", "rest"]'])
def test_transports_field_is_checked(value) -> None:
    with pytest.raises(catalog.CatalogError, match="transports must be"):
        catalog.parse("[[behavior]]\n" + BASE + f"transports = {value}\n")


def test_packaged_catalog_names_behaviors_of_each_wire_form() -> None:
    """The JSON-only details are REST's, the status codes and metadata of gRPC are gRPC's."""
    cat = catalog.load()
    assert cat["ERRORS-MALFORMED-JSON"].transports == ("rest",)
    assert cat["GRPC-UNAUTHENTICATED"].transports == ("grpc",)
    assert cat["UPSERT-OVERWRITES"].transports == ()


def test_control_plane_and_rest_only_operations_are_rest_only() -> None:
    """The control plane, bulk import, inference and integrated records have no gRPC form
    (`VectorService` is the vector operations and namespaces): their behaviors say so."""
    areas = {"indexes", "backups", "collections", "imports", "inference", "records"}
    loose = [b.id for b in catalog.load().values() if b.area in areas and b.transports != ("rest",)]
    assert not loose, f'add transports = ["rest"] to {loose}'
