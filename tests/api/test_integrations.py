"""Integration endpoints (a CRM sync): only an administrator's integration token may read,
grant and revoke segment memberships and upsert accounts by email; grants change what the
person sees at once, through the one policy."""

import json

import pytest
from django.contrib.auth import get_user_model

from segments.models import SegmentMembership
from tests.factories import UserFactory
from users import tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def integration(admin):
    """The header of an integration token an administrator made for a service account."""
    robot = UserFactory(username="crm-robot")
    _token, raw = tokens.create_token(robot, name="CRM", scopes=["integrations"], created_by=admin)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def send(client, method, url, data, **headers):
    return getattr(client, method)(
        url, json.dumps(data), content_type="application/json", **headers
    )


def test_grant_list_and_revoke_a_membership(client, content, other_member, integration):
    secret = content["secret"]
    outsider = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(other_member, name='x')[1]}"}
    assert client.get(f"/api/v1/articles/{secret.pk}", **outsider).status_code == 404

    granted = send(
        client,
        "post",
        "/api/v1/integrations/memberships",
        {"email": other_member.email.upper(), "segment": "product:ledger", "note": "CRM 42"},
        **integration,
    )
    assert granted.status_code == 200, granted.content
    data = granted.json()
    assert data["email"] == other_member.email and data["segment"] == "product:ledger"
    assert data["source"] == "import" and data["note"] == "CRM 42"
    # The policy forgets its cached answer: the person sees the restricted article at once.
    assert client.get(f"/api/v1/articles/{secret.pk}", **outsider).status_code == 200

    listed = client.get(
        f"/api/v1/integrations/memberships?email={other_member.email}", **integration
    ).json()
    assert [m["id"] for m in listed["results"]] == [data["id"]]
    by_segment = client.get(
        "/api/v1/integrations/memberships?segment=product:ledger", **integration
    ).json()
    assert len(by_segment["results"]) == 2  # the fixture's member, and this one

    revoked = client.delete(f"/api/v1/integrations/memberships/{data['id']}", **integration)
    assert revoked.status_code == 204
    assert not SegmentMembership.objects.filter(pk=data["id"]).exists()
    assert client.get(f"/api/v1/articles/{secret.pk}", **outsider).status_code == 404
    again = client.delete(f"/api/v1/integrations/memberships/{data['id']}", **integration)
    assert again.status_code == 404


def test_unknown_accounts_and_segments_are_refused(client, content, member, integration):
    nobody = send(
        client,
        "post",
        "/api/v1/integrations/memberships",
        {"email": "nobody@example.com", "segment": "product:ledger"},
        **integration,
    )
    assert nobody.status_code == 404
    unknown = send(
        client,
        "post",
        "/api/v1/integrations/memberships",
        {"email": member.email, "segment": "product:nope"},
        **integration,
    )
    assert unknown.status_code == 400


def test_upsert_a_user_by_email(client, db, integration, member):
    created = send(
        client,
        "put",
        "/api/v1/integrations/users",
        {"email": "New.Person@Example.com", "display_name": "New Person", "language": "ro"},
        **integration,
    )
    assert created.status_code == 201, created.content
    person = get_user_model().objects.get(pk=created.json()["id"])
    assert person.email == "new.person@example.com" and person.language == "ro"
    assert not person.has_usable_password()
    assert person.emailaddress_set.get().verified is False
    updated = send(
        client,
        "put",
        "/api/v1/integrations/users",
        {"email": "new.person@example.com", "display_name": "Renamed"},
        **integration,
    )
    assert updated.status_code == 200
    assert updated.json()["created"] is False
    person.refresh_from_db()
    assert person.display_name == "Renamed" and person.language == "ro"
    bad = send(client, "put", "/api/v1/integrations/users", {"email": "nope"}, **integration)
    assert bad.status_code == 400


def test_staff_accounts_are_not_changed_by_an_integration(client, admin, integration):
    response = send(
        client,
        "put",
        "/api/v1/integrations/users",
        {"email": admin.email, "is_active": False},
        **integration,
    )
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active


def test_only_an_administrators_integration_token_is_let_in(client, content, member, bearer):
    url = "/api/v1/integrations/memberships"
    assert client.get(url).status_code == 401
    assert client.get(url, **bearer(member)).status_code == 403
    # A person cannot give their own token the scope and call the integration endpoints.
    own = bearer(member, scopes=["read", "integrations"])
    response = client.get(url, **own)
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    client.force_login(member)
    assert client.get(url).status_code == 401
