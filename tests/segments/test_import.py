import json

import pytest
from django.core.management import CommandError, call_command

from segments.models import Segment, SegmentMembership
from tests.factories import MembershipFactory, SegmentFactory, UserFactory, grant


@pytest.fixture
def stage(db):
    return SegmentFactory(kind=Segment.Kind.STAGE, slug="active", name="Active")


def test_csv_import_grants_and_replaces(tmp_path, member, products, stage):
    path = tmp_path / "crm.csv"
    path.write_text("email,segments\nmember@example.com,product:ledger;stage:active\n")
    call_command("import_segments", str(path))
    assert set(member.segment_memberships.values_list("segment__slug", flat=True)) == {
        "ledger",
        "active",
    }
    assert set(member.segment_memberships.values_list("source", flat=True)) == {"import"}

    path.write_text("email,segments\nmember@example.com,product:relay\n")
    call_command("import_segments", str(path))
    assert set(member.segment_memberships.values_list("segment__slug", flat=True)) == {"relay"}


def test_import_never_revokes_staff_grants(tmp_path, member, products):
    grant(member, products["atlas"])
    path = tmp_path / "crm.json"
    path.write_text(json.dumps([{"email": "member@example.com", "segments": ["product:ledger"]}]))
    call_command("import_segments", str(path))
    assert set(member.segment_memberships.values_list("segment__slug", flat=True)) == {
        "atlas",
        "ledger",
    }


def test_unknown_email_and_segment_are_reported_not_fatal(tmp_path, member, products, capsys):
    path = tmp_path / "crm.json"
    path.write_text(
        json.dumps(
            [
                {"email": "nobody@example.com", "segments": ["product:ledger"]},
                {"email": "member@example.com", "segments": ["product:nope", "product:relay"]},
            ]
        )
    )
    call_command("import_segments", str(path))
    err = capsys.readouterr().err
    assert "nobody@example.com: no account" in err
    assert "product:nope" in err
    assert SegmentMembership.objects.filter(user=member, segment=products["relay"]).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", "{not json", "not valid JSON"),
        ("bad.csv", "mail,groups\nx,y\n", "header must have"),
    ],
)
def test_malformed_files_fail_clearly(tmp_path, db, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_segments", str(path))


def test_missing_file(db):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_segments", "/nonexistent/crm.csv")


def test_stage_is_granted_only(member):
    # The profile form offers products and a role; a stage can only come from a grant.
    field = type(member)._meta.get_field("declared_role")
    assert field.remote_field.limit_choices_to == {"kind": "role"}
    assert not hasattr(member, "declared_stage")


# --- The file is the truth: members it no longer lists -----------------------------------


def memberships(user):
    return set(user.segment_memberships.values_list("segment__slug", "source"))


def write_csv(path, rows):
    path.write_text("email,segments\n" + "".join(f"{e},{s}\n" for e, s in rows))
    return path


@pytest.fixture
def imported(tmp_path, member, other_member, products, stage):
    """Both members imported once; the other also has a grant made by staff."""
    grant(other_member, products["atlas"])
    path = write_csv(
        tmp_path / "crm.csv",
        [
            ("member@example.com", "product:ledger;stage:active"),
            ("other@example.com", "product:relay"),
        ],
    )
    call_command("import_segments", str(path))
    assert memberships(other_member) == {("relay", "import"), ("atlas", "staff")}
    return path


def test_member_missing_from_the_file_loses_imported_grants(imported, member, other_member, capsys):
    capsys.readouterr()
    write_csv(imported, [("member@example.com", "product:ledger;stage:active")])
    call_command("import_segments", str(imported))
    assert memberships(member) == {("ledger", "import"), ("active", "import")}
    # The imported grant is gone; the grant staff made by hand stays.
    assert memberships(other_member) == {("atlas", "staff")}
    out = capsys.readouterr().out
    assert "granted 0, revoked 1 (1 from 1 members no longer in the file)" in out
    assert "unchanged 2" in out


def test_partial_file_leaves_members_it_does_not_list(imported, member, other_member):
    write_csv(imported, [("member@example.com", "product:relay")])
    call_command("import_segments", str(imported), "--partial")
    # Listed members are replaced...
    assert memberships(member) == {("relay", "import")}
    # ...members not listed keep everything.
    assert memberships(other_member) == {("relay", "import"), ("atlas", "staff")}


def test_keep_missing_revokes_nothing(imported, member, other_member):
    write_csv(imported, [("member@example.com", "product:relay")])
    call_command("import_segments", str(imported), "--keep-missing")
    assert memberships(member) == {("ledger", "import"), ("active", "import"), ("relay", "import")}
    assert memberships(other_member) == {("relay", "import"), ("atlas", "staff")}


def test_a_file_matching_nobody_revokes_nothing(imported, member, other_member, capsys):
    write_csv(imported, [("stranger@example.com", "product:relay")])
    call_command("import_segments", str(imported))
    assert memberships(member) == {("ledger", "import"), ("active", "import")}
    assert memberships(other_member) == {("relay", "import"), ("atlas", "staff")}
    assert "no member of the file has an account" in capsys.readouterr().err


def test_emails_match_whatever_their_case(tmp_path, member, products, stage):
    shouting = UserFactory(username="shout", email="Dana.Shout@Example.COM")
    path = write_csv(
        tmp_path / "crm.csv",
        [
            ("MEMBER@example.com", "product:ledger"),
            ("member@EXAMPLE.com", "stage:active"),  # the same person, spelled twice
            ("dana.shout@example.com", "product:relay"),
        ],
    )
    call_command("import_segments", str(path))
    assert memberships(member) == {("ledger", "import"), ("active", "import")}
    assert memberships(shouting) == {("relay", "import")}
    # Listed in another case next time: still the same member, nothing is revoked.
    write_csv(path, [("Member@Example.com", "product:ledger;stage:active"),
                     ("DANA.SHOUT@EXAMPLE.COM", "product:relay")])  # fmt: skip
    call_command("import_segments", str(path))
    assert memberships(member) == {("ledger", "import"), ("active", "import")}
    assert memberships(shouting) == {("relay", "import")}


def test_accounts_differing_only_in_case_are_left_alone(tmp_path, member, products, capsys):
    twin = UserFactory(username="twin", email="MEMBER@example.com")
    MembershipFactory(user=twin, segment=products["atlas"], source=SegmentMembership.Source.IMPORT)
    path = write_csv(tmp_path / "crm.csv", [("member@example.com", "product:ledger")])
    call_command("import_segments", str(path))
    assert "more than one account" in capsys.readouterr().err
    assert memberships(member) == set()
    # Not "missing from the file" either: the twin's imported grant stays.
    assert memberships(twin) == {("atlas", "import")}


def test_service_reports_counts(member, other_member, products):
    from segments.services import sync_imported_memberships

    grant(other_member, products["atlas"])
    sync_imported_memberships(
        {"member@example.com": ["product:ledger"], "other@example.com": ["product:relay"]}
    )
    report = sync_imported_memberships({"MEMBER@example.com": ["product:ledger", "product:relay"]})
    assert (report.granted, report.unchanged, report.revoked) == (1, 1, 1)
    assert (report.revoked_unlisted, report.members_removed) == (1, 1)
    assert report.errors == []
