"""Sign-up, email verification, sign-in, sign-out and password reset through allauth's real
views, rendered with the site's templates."""

import re

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

PASSWORD = "correct horse battery"
LINK = re.compile(r"https?://testserver(/account/[^\s]+)")

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_signup_sends_a_verification_email_and_the_link_signs_the_member_in(
    client, home, mailoutbox
):
    response = client.post(
        "/account/signup/",
        {
            "email": "new.member@example.com",
            "password1": "a-Long-pass-42",
            "password2": "a-Long-pass-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm-email/"
    assert signed_in_user_id(client) is None, "verification is mandatory"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Verify Your Email Address" in page.content.decode()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.member@example.com"]
    confirm_url = link_in(message)
    assert confirm_url.startswith("/account/confirm-email/")

    confirm_page = client.get(confirm_url)
    assert confirm_page.status_code == 200
    assert "new.member@example.com" in confirm_page.content.decode()

    response = client.post(confirm_url)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.member@example.com")
    assert signed_in_user_id(client) == str(user.pk)
    assert user.emailaddress_set.get().verified
    assert client.get("/account/profile/").status_code == 200


def test_unverified_member_cannot_sign_in(client, home, mailoutbox):
    user = UserFactory(username="pending", verified=False)
    response = client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm-email/"
    assert signed_in_user_id(client) is None
    assert len(mailoutbox) == 1, "a fresh verification email is sent"


def test_sign_in_and_sign_out(client, home, member):
    page = client.get("/account/login/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'for="id_login"' in html and 'for="id_password"' in html, "real labels"

    response = client.post("/account/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(member.pk)

    home_page = client.get("/").content.decode()
    assert member.public_name in home_page
    assert 'action="/account/logout/"' in home_page, "sign out is a POST form in the header"

    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert signed_in_user_id(client) is None


def test_wrong_password_shows_an_error_on_the_form(client, home, member):
    response = client.post("/account/login/", {"login": member.email, "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="notice notice--error" role="alert"' in html
    assert signed_in_user_id(client) is None


def test_password_reset_by_email(client, home, member, mailoutbox):
    response = client.post("/account/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    reset_url = link_in(mailoutbox[0])

    response = client.get(reset_url)
    assert response.status_code == 302  # allauth moves the key out of the URL
    set_password_url = response["Location"]
    page = client.get(set_password_url)
    assert page.status_code == 200

    response = client.post(
        set_password_url, {"password1": "brand-New-pass-77", "password2": "brand-New-pass-77"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("brand-New-pass-77")


@pytest.mark.parametrize(
    "url",
    ["/account/login/", "/account/signup/", "/account/password/reset/", "/account/confirm-email/"],
)
def test_account_pages_use_the_site_layout(client, home, url):
    html = client.get(url).content.decode()
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    assert 'class="container entrance"' in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize("url", ["/account/email/", "/account/password/change/", "/account/2fa/"])
def test_account_management_pages_use_the_account_layout(client, home, member, url):
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="account-nav-list"' in html
    assert html.count("<h1") == 1


def test_every_sign_up_gets_its_own_username(client, home):
    for email in ("ana.lopez@example.com", "ana.lopez@example.org"):
        client.post(
            "/account/signup/",
            {"email": email, "password1": "a-Long-pass-42", "password2": "a-Long-pass-42"},
        )
    users = get_user_model().objects.filter(email__startswith="ana.lopez@")
    assert users.count() == 2
    usernames = set(users.values_list("username", flat=True))
    assert len(usernames) == 2 and "" not in usernames
