"""Segments in the Wagtail admin: editors manage segments, support agents grant them, and
every grant made there goes through ``segments.services``."""

import re

import pytest
from django.contrib.auth.models import Group
from wagtail.models import ModelLogEntry

from segments import policy
from segments.models import Segment, SegmentMembership
from tests.factories import MembershipFactory, SegmentFactory, UserFactory, grant, make_article

pytestmark = pytest.mark.django_db

SEGMENTS = "/admin/segments/"
MEMBERSHIPS = "/admin/segment_memberships/"


@pytest.fixture
def agent(db):
    """The demo's support agent: staff, in Wagtail's Moderators group."""
    user = UserFactory(username="agent", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def menu_urls(client) -> set[str]:
    """Links of the admin's sidebar menu (rendered from JSON props)."""
    return set(re.findall(r'"url": "([^"]+)"', client.get("/admin/").content.decode()))


def membership_form(user, segment, **fields):
    return {"user": user.pk, "segment": segment.pk, "expires_at": "", "note": "", **fields}


# --- Group permissions (the migration) --------------------------------------------------


def test_groups_hold_the_segments_permissions():
    def codenames(name):
        return set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="segments")
            .values_list("codename", flat=True)
        )

    assert codenames("Editors") == {
        "view_segment",
        "add_segment",
        "change_segment",
        "delete_segment",
    }
    assert codenames("Moderators") == {
        "view_segment",
        "view_segmentmembership",
        "add_segmentmembership",
        "change_segmentmembership",
        "delete_segmentmembership",
    }


def test_editor_manages_segments(client, editor, products):
    client.force_login(editor)
    assert SEGMENTS in menu_urls(client)

    listing = client.get(SEGMENTS)
    assert listing.status_code == 200
    assert "Ledger" in listing.content.decode()

    assert client.get(SEGMENTS + "new/").status_code == 200
    response = client.post(
        SEGMENTS + "new/",
        {"kind": "stage", "name": "Churned", "slug": "churned", "description": "", "sort_order": 9},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    churned = Segment.objects.get(kind="stage", slug="churned")

    edit_url = f"{SEGMENTS}edit/{churned.pk}/"
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        {"kind": "stage", "name": "Churned (lost)", "slug": "churned", "description": "",
         "sort_order": 9},
    )  # fmt: skip
    assert response.status_code == 302
    churned.refresh_from_db()
    assert churned.name == "Churned (lost)"


def test_agent_grants_segments_and_reads_them(client, agent, member, products):
    client.force_login(agent)
    assert {SEGMENTS, MEMBERSHIPS} <= menu_urls(client)

    assert client.get(SEGMENTS).status_code == 200  # read only
    assert client.get(SEGMENTS + "new/").status_code in (302, 403)

    grant(member, products["atlas"])
    listing = client.get(MEMBERSHIPS)
    assert listing.status_code == 200
    assert "Atlas" in listing.content.decode()

    assert client.get(MEMBERSHIPS + "new/").status_code == 200
    response = client.post(
        MEMBERSHIPS + "new/",
        membership_form(member, products["ledger"], note="Renewal signed"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    membership = SegmentMembership.objects.get(user=member, segment=products["ledger"])
    assert membership.granted_by == agent
    assert membership.source == SegmentMembership.Source.STAFF
    assert membership.note == "Renewal signed"
    assert ModelLogEntry.objects.filter(action="wagtail.create", user=agent).exists()

    edit_url = f"{MEMBERSHIPS}edit/{membership.pk}/"
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url, {"expires_at": "2031-01-31 12:00", "note": "Renewal signed, one year"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    membership.refresh_from_db()
    assert membership.note == "Renewal signed, one year"
    assert membership.expires_at.year == 2031


def test_editors_do_not_grant_segments(client, editor):
    client.force_login(editor)
    assert MEMBERSHIPS not in menu_urls(client)
    assert client.get(MEMBERSHIPS).status_code in (302, 403)
    assert client.get(MEMBERSHIPS + "new/").status_code in (302, 403)


# --- Grants made in the admin go through the service ------------------------------------


def test_source_cannot_be_chosen_in_the_admin(client, agent, member, products):
    client.force_login(agent)
    form = client.get(MEMBERSHIPS + "new/").content.decode()
    assert 'name="source"' not in form
    client.post(
        MEMBERSHIPS + "new/",
        membership_form(member, products["ledger"], source=SegmentMembership.Source.IMPORT),
    )
    membership = SegmentMembership.objects.get(user=member, segment=products["ledger"])
    assert membership.source == SegmentMembership.Source.STAFF


def test_a_grant_made_in_the_admin_survives_the_next_import(
    client, agent, member, products, tmp_path
):
    from django.core.management import call_command

    client.force_login(agent)
    client.post(MEMBERSHIPS + "new/", membership_form(member, products["relay"]))
    path = tmp_path / "crm.csv"
    path.write_text("email,segments\nmember@example.com,product:ledger\n")
    call_command("import_segments", str(path))
    assert set(member.segment_memberships.values_list("segment__slug", "source")) == {
        ("relay", "staff"),
        ("ledger", "import"),
    }


def test_editing_an_imported_grant_in_the_admin_makes_it_staffs(client, agent, member, products):
    imported = MembershipFactory(
        user=member, segment=products["ledger"], source=SegmentMembership.Source.IMPORT
    )
    client.force_login(agent)
    edit = client.get(f"{MEMBERSHIPS}edit/{imported.pk}/").content.decode()
    for field in ("user", "segment", "source"):
        assert f'name="{field}"' not in edit, field
    response = client.post(
        f"{MEMBERSHIPS}edit/{imported.pk}/",
        # A tampered form cannot move the grant to someone else or keep it "import".
        {"expires_at": "", "note": "Checked by hand", "user": agent.pk, "source": "import"},
    )
    assert response.status_code == 302
    imported.refresh_from_db()
    assert (imported.user, imported.source, imported.granted_by) == (
        member,
        SegmentMembership.Source.STAFF,
        agent,
    )


def test_revoking_in_the_admin_goes_through_the_service(client, agent, member, products):
    secret = make_article(title="Ledger beta", segments=[products["ledger"]], restricted=True)
    membership = grant(member, products["ledger"])
    assert policy.can_view(secret, member)

    client.force_login(agent)
    delete_url = f"{MEMBERSHIPS}delete/{membership.pk}/"
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url).status_code == 302
    assert not SegmentMembership.objects.filter(pk=membership.pk).exists()
    assert ModelLogEntry.objects.filter(action="wagtail.delete", user=agent).exists()

    client.force_login(member)
    assert client.get(secret.url).status_code == 404


def test_granting_in_the_admin_unlocks_content_for_the_member(client, agent, member, products):
    secret = make_article(title="Relay beta", segments=[products["relay"]], restricted=True)
    reader = client.__class__()
    reader.force_login(member)
    assert reader.get(secret.url).status_code == 404
    client.force_login(agent)
    client.post(MEMBERSHIPS + "new/", membership_form(member, products["relay"]))
    assert reader.get(secret.url).status_code == 200


def test_a_duplicate_grant_is_a_form_error(client, agent, member, products):
    grant(member, products["ledger"])
    client.force_login(agent)
    response = client.post(MEMBERSHIPS + "new/", membership_form(member, products["ledger"]))
    assert response.status_code == 200
    assert SegmentMembership.objects.filter(user=member).count() == 1


def test_memberships_cannot_be_copied_around_the_service(client, agent, member, products):
    membership = grant(member, products["ledger"])
    client.force_login(agent)
    assert client.get(f"{MEMBERSHIPS}copy/{membership.pk}/").status_code == 404


def test_segment_listing_is_unchanged_for_superusers(client, products):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    SegmentFactory(kind=Segment.Kind.ROLE, slug="developer", name="Developer")
    assert client.get(SEGMENTS).status_code == 200
    assert client.get(MEMBERSHIPS).status_code == 200
