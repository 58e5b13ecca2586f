import json

import pytest
from django.core.management import CommandError, call_command

from segments.models import Segment, SegmentMembership
from tests.factories import SegmentFactory, grant


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
