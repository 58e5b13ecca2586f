"""Two-factor sign-in: the admin has no password-only door, and (with
``PORTICO_REQUIRE_MFA_FOR_STAFF``) editors and staff must set up an authenticator app.

The second factor is real: allauth's own TOTP helpers activate a device and compute the
code an authenticator app would show.
"""

import runpy
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def editor_with_totp(editor):
    secret = generate_totp_secret()
    TOTP.activate(editor, secret)
    return editor, secret


@pytest.fixture
def agent(db):
    user = UserFactory(username="agent", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def require_mfa(settings):
    settings.PORTICO_REQUIRE_MFA_FOR_STAFF = True


# --- /admin/login/ leads to allauth -----------------------------------------------------


def test_admin_login_leads_to_the_portal_sign_in_keeping_next(client, home):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/admin/pages/"


def test_a_password_posted_to_the_admin_login_signs_nobody_in(client, home, editor_with_totp):
    editor, _secret = editor_with_totp
    response = client.post(
        "/admin/login/", {"username": editor.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert signed_in_user_id(client) is None
    assert client.get("/admin/")["Location"].startswith("/account/login/")


def test_an_editor_with_totp_passes_the_second_step_to_reach_the_admin(
    client, home, editor_with_totp
):
    editor, secret = editor_with_totp
    response = client.post(
        "/account/login/?next=/admin/", {"login": editor.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None, "the password alone is not enough"
    assert client.get("/admin/").status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200  # a wrong code: the form again
    assert signed_in_user_id(client) is None

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(editor.pk)
    assert client.get("/admin/").status_code == 200


def test_wagtails_own_password_reset_is_off(client, home):
    assert client.get("/admin/password_reset/").status_code == 404


# --- Requiring an authenticator app for privileged accounts ------------------------------


def test_setting_is_off_except_in_production(settings, monkeypatch):
    from config.settings import base

    assert base.PORTICO_REQUIRE_MFA_FOR_STAFF is False
    assert settings.PORTICO_REQUIRE_MFA_FOR_STAFF is False
    monkeypatch.setattr(base, "SECRET_KEY", "x" * 50)
    monkeypatch.delenv("PORTICO_REQUIRE_MFA_FOR_STAFF", raising=False)
    assert runpy.run_module("config.settings.production")["PORTICO_REQUIRE_MFA_FOR_STAFF"] is True
    monkeypatch.setenv("PORTICO_REQUIRE_MFA_FOR_STAFF", "false")
    assert runpy.run_module("config.settings.production")["PORTICO_REQUIRE_MFA_FOR_STAFF"] is False


def test_without_the_setting_privileged_accounts_are_not_held(client, home, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("who", ["editor", "agent", "superuser"])
def test_privileged_accounts_without_totp_are_sent_to_set_it_up(
    client, home, require_mfa, request, who
):
    if who == "superuser":
        user = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    for url in ("/admin/", "/admin/pages/", "/", "/account/profile/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url


def test_members_are_never_held(client, home, require_mfa, member):
    client.force_login(member)
    assert client.get("/").status_code == 200
    assert client.get("/account/profile/").status_code == 200


def test_an_editor_with_totp_goes_straight_in(client, home, require_mfa, editor_with_totp):
    editor, _secret = editor_with_totp
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


def test_setting_up_totp_opens_the_admin(client, home, require_mfa, editor):
    client.post("/account/login/", {"login": editor.email, "password": PASSWORD})
    assert signed_in_user_id(client) == str(editor.pk)

    response = client.get("/admin/")
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before a device is added: that stays open too.
    response = client.get(response["Location"])
    assert response.status_code == 302
    reauthenticate = response["Location"]
    assert reauthenticate.startswith(reverse("account_reauthenticate"))
    page = client.get(reauthenticate)
    assert page.status_code == 200
    assert "authenticator app" in page.content.decode()  # the message says why
    response = client.post(reauthenticate, {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(response["Location"]).status_code == 200

    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).exists()
    # The recovery codes allauth shows next are reachable too.
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_reauthentication_and_sign_out_stay_open(client, home, require_mfa, editor):
    client.force_login(editor)  # no recent password: allauth asks for it again
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert signed_in_user_id(client) is None


def test_static_files_are_not_held(client, home, require_mfa, editor):
    from django.conf import settings

    client.force_login(editor)
    response = client.get(settings.STATIC_URL + "css/site.css")
    assert response.status_code != 302 or response["Location"] != reverse("mfa_activate_totp")
