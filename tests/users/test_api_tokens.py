"""API tokens on the profile page (a person's own: list, create, revoke) and in the
Wagtail admin (administrators: create for a person, revoke)."""

import hashlib
import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from users import tokens
from users.models import ApiToken

pytestmark = pytest.mark.django_db


def shown_token(response) -> str:
    found = re.search(r'value="(ptk_[^"]+)"', response.content.decode())
    assert found, "the new token is shown"
    return found.group(1)


def test_a_person_creates_a_token_sees_it_once_and_uses_it(client, home, member):
    client.force_login(member)
    profile = client.get(reverse("users:profile"))
    assert "You have no API tokens." in profile.content.decode()
    response = client.post(
        reverse("users:api_token_create"),
        {"name": "Status script", "scopes": ["read"], "expires_in": "30"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = shown_token(response)
    token = ApiToken.objects.get(user=member)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.expires_at is not None and token.scope_list == ["read"]
    # Never shown again: the profile lists it by name and prefix only.
    listing = client.get(reverse("users:profile")).content.decode()
    assert "Status script" in listing and token.prefix in listing and raw not in listing
    client.logout()
    assert client.get("/api/v1/articles", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_person_revokes_only_their_own_tokens(client, home, member, other_member):
    mine, raw = tokens.create_token(member, name="mine")
    theirs, their_raw = tokens.create_token(other_member, name="theirs")
    client.force_login(member)
    client.post(reverse("users:api_token_revoke", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(reverse("users:api_token_revoke", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    client.logout()
    assert client.get("/api/v1/articles", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    ok = client.get("/api/v1/articles", HTTP_AUTHORIZATION=f"Bearer {their_raw}")
    assert ok.status_code == 200


def test_a_token_form_without_scopes_creates_nothing(client, home, member):
    client.force_login(member)
    response = client.post(
        reverse("users:api_token_create"), {"name": "x", "scopes": [], "expires_in": "30"}
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_a_person_cannot_give_their_own_token_the_integrations_scope(client, home, member):
    client.force_login(member)
    profile = client.get(reverse("users:profile")).content.decode()
    assert 'value="write"' in profile and 'value="integrations"' not in profile
    response = client.post(
        reverse("users:api_token_create"),
        {"name": "x", "scopes": ["read", "integrations"], "expires_in": "30"},
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    written = client.post(
        reverse("users:api_token_create"),
        {"name": "poster", "scopes": ["read", "write"], "expires_in": "30"},
    )
    assert written.status_code == 200
    assert ApiToken.objects.get(user=member).scope_list == ["read", "write"]


def test_creating_and_revoking_need_a_signed_in_person(client, home, member):
    token, _raw = tokens.create_token(member, name="mine")
    assert client.post(reverse("users:api_token_create"), {"name": "x"}).status_code == 302
    client.post(reverse("users:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


def test_the_token_pages_are_translated(client, home, member):
    for code, title in (("fa", "توکن API تازهٔ شما"), ("ro", "Noul dvs. token API")):
        member.language = code
        member.save()
        client.force_login(member)
        response = client.post(
            reverse("users:api_token_create"),
            {"name": "n", "scopes": ["read"], "expires_in": "0"},
        )
        assert response.status_code == 200
        assert title in response.content.decode()


def test_an_administrator_creates_a_token_for_a_person_and_revokes_it(client, home, member):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    index = reverse("api_tokens:index")
    assert client.get(index).status_code == 200
    response = client.post(
        reverse("api_tokens:add"),
        {"user": member.pk, "name": "Integration", "scopes": ["read", "integrations"]},
    )
    assert response.status_code == 200, response.content[:2000]
    raw = shown_token(response)
    token = ApiToken.objects.get()
    assert token.user == member and token.created_by == admin
    assert token.scope_list == ["read", "integrations"]
    assert tokens.authenticate(raw).user == member
    listing = client.get(index).content.decode()
    assert "Integration" in listing and raw not in listing
    client.post(reverse("api_tokens:delete", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate(raw) is None


def test_members_cannot_open_the_token_admin(client, home, member):
    client.force_login(member)
    assert client.get(reverse("api_tokens:index")).status_code in (302, 403)
