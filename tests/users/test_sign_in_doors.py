"""One sign-in door: every way to sign in goes through the portal's allauth flow.

The walk visits every URL pattern of the site (with sample values for its parameters) as a
visitor, a member and a superuser, and fails on any page that shows a password field in a
form that does not post to one of the portal's own account views — so a newly mounted
Wagtail or Django login view cannot slip in unnoticed. The other tests try the doors an
attacker would: Wagtail's ``/_util/login/``, the admin's login, rate limits behind a
proxy, an unverified account, and the admin opened by a member.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"

#: The portal's own views that may show a password field: allauth's sign-in, sign-up,
#: re-authentication and password pages, and Wagtail's page-password form (a shared
#: secret for one page, not a sign-in: it grants no account).
ALLOWED_PASSWORD_VIEWS = {
    "account_login",
    "account_signup",
    "account_reauthenticate",
    "account_change_password",
    "account_set_password",
    "account_reset_password_from_key",
    "mfa_reauthenticate",
    "wagtailcore_authenticate_with_password",
}

_SAMPLES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
}


def _route_example(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES.get(m.group(1) or "str", "x"), route)


def _regex_example(regex: str) -> str | None:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    text = re.sub(r"\(\?P<\w+>[^)]*\[0-9\][^)]*\)|\(\?P<\w+>\\d[^)]*\)", "1", text)
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "x", text)
    text = re.sub(r"\((?:\?:)?[^()]*\)[*?]", "", text)
    text = text.replace("\\.", ".").replace("\\-", "-").replace("\\/", "/")
    if re.search(r"[\\()\[\]{}*+?|^$]", text):
        return None
    return text


def example_paths() -> list[str]:
    """One concrete path per URL pattern of the site."""
    found: list[str] = []

    def walk(patterns, prefix: str):
        for pattern in patterns:
            raw = pattern.pattern
            if hasattr(raw, "_route"):
                part = _route_example(str(raw._route))
            elif hasattr(raw, "_regex"):
                part = _regex_example(raw._regex)
            else:  # the pages' content-language prefix: "" in the default language
                part = str(raw)
            if part is None:
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + part)
            elif isinstance(pattern, URLPattern):
                found.append("/" + (prefix + part).lstrip("/"))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


class _PasswordForms(HTMLParser):
    """Actions of the forms that contain a password field."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.found: list[str] = []
        self._has_password = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action, self._has_password = attrs.get("action") or "", False
        elif tag == "input" and (attrs.get("type") or "").lower() == "password":
            self._has_password = True

    def handle_endtag(self, tag):
        if tag == "form" and self.action is not None:
            if self._has_password:
                self.found.append(self.action)
            self.action = None


def password_form_targets(path: str, html: str) -> list[str]:
    parser = _PasswordForms()
    parser.feed(html)
    return [urlsplit(action).path or path for action in parser.found]


def view_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_the_walk_covers_the_site(home):
    paths = example_paths()
    # Enough to mean something: the admin alone has hundreds of views.
    assert len(paths) > 300
    for expected in ("/_util/login/", "/admin/login/", "/account/login/", "/admin/pages/1/"):
        assert expected in paths


def test_no_password_form_but_the_portals(client, home, member, superuser):
    offenders = []
    for who in (None, member, superuser):
        client.logout()
        if who is not None:
            client.force_login(who)
        for path in example_paths():
            if "logout" in path:
                continue
            try:
                response = client.get(path)
            except Exception:  # a sample id that does not exist deep in the admin
                continue
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for target in password_form_targets(path, response.content.decode(errors="replace")):
                if view_name(target) not in ALLOWED_PASSWORD_VIEWS:
                    offenders.append((getattr(who, "username", "visitor"), path, target))
    assert offenders == []


def test_the_walk_would_catch_a_second_door(client, home):
    """The check itself: Wagtail's own form, if it were reachable, is an offender."""
    from django.test import RequestFactory
    from wagtail.urls import WAGTAIL_FRONTEND_LOGIN_TEMPLATE, auth_views

    view = auth_views.LoginView.as_view(template_name=WAGTAIL_FRONTEND_LOGIN_TEMPLATE)
    request = RequestFactory().get("/_util/login/")
    request.user = UserFactory.build()
    request.session = client.session
    html = view(request).render().content.decode()
    targets = password_form_targets("/elsewhere/", html)
    assert targets and all(view_name(t) not in ALLOWED_PASSWORD_VIEWS for t in targets)


def test_wagtails_frontend_login_leads_to_the_portal_sign_in(client, home):
    response = client.get("/_util/login/?next=/kb/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/kb/"


@pytest.mark.parametrize("path", ["/_util/login/", "/admin/login/"])
def test_a_password_alone_signs_in_nowhere_for_an_account_with_totp(client, home, path):
    staff = UserFactory(username="agent", is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    client.post(path, {"username": staff.username, "login": staff.email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") is None
    response = client.post("/account/login/", {"login": staff.email, "password": PASSWORD})
    # The portal's form asks for the second factor before anyone is signed in.
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/authenticate/")
    assert client.session.get("_auth_user_id") is None


def test_an_unverified_account_is_not_signed_in(client, home):
    person = UserFactory(username="unverified", verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)
    for path in ("/_util/login/", "/admin/login/", "/account/login/"):
        client.post(
            path, {"username": person.username, "login": person.email, "password": PASSWORD}
        )
        assert client.session.get("_auth_user_id") is None


@pytest.mark.parametrize(
    "email", ["josé@example.com", "anna@bücher.example", "مریم@example.ir", "ION.Ștefan@example.ro"]
)
def test_internationalised_emails_sign_in(client, home, email):
    person = UserFactory(username="intl", email=email.lower(), verified=False)
    EmailAddress.objects.create(user=person, email=email.lower(), verified=True, primary=True)
    response = client.post("/account/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.context["form"].errors
    assert client.session.get("_auth_user_id") == str(person.pk)


def test_a_malformed_email_is_refused_clearly(client, home):
    response = client.post("/account/login/", {"login": "not an email", "password": PASSWORD})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_internationalised_emails_sign_up(client, home):
    response = client.post(
        "/account/signup/",
        {
            "email": "Şerban.Ñú@example.ro",
            "password1": "a long new password 7",
            "password2": "a long new password 7",
        },
    )
    assert response.status_code == 302
    assert EmailAddress.objects.filter(email="şerban.ñú@example.ro", verified=False).exists()


# --- Rate limits behind a proxy ----------------------------------------------------------


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
    cache.clear()
    yield
    cache.clear()


LIMITED = "Too many failed login attempts"


def limited(response) -> bool:
    return response.status_code == 429 or LIMITED in response.content.decode()


def _attempt(client, email, password, forwarded_for):
    return client.post(
        "/account/login/",
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR="10.0.0.2",  # the proxy
    )


def test_behind_a_trusted_proxy_one_address_cannot_lock_out_everyone(
    client, home, settings, rate_limits
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    victim = UserFactory(username="victim")
    for number in range(12):
        _attempt(client, f"nobody{number}@example.com", "wrong", "203.0.113.7")
    blocked = _attempt(client, "nobody@example.com", "wrong", "203.0.113.7")
    assert limited(blocked)
    response = _attempt(client, victim.email, PASSWORD, "198.51.100.20")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(victim.pk)


def test_too_many_wrong_passwords_for_one_account_then_the_right_one_is_refused(
    client, home, settings, rate_limits
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    victim = UserFactory(username="victim")
    for number in range(6):
        _attempt(client, victim.email, "wrong", f"203.0.113.{number + 1}")
    response = _attempt(client, victim.email, PASSWORD, "198.51.100.20")
    assert client.session.get("_auth_user_id") is None
    assert limited(response)


def test_the_limit_lives_in_the_shared_cache(client, home, settings, rate_limits):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(11):
        _attempt(client, "nobody@example.com", "wrong", "203.0.113.9")
    # Another process sees the same cache: a fresh client (no session) is limited too.
    from django.test import Client

    assert limited(_attempt(Client(), "nobody@example.com", "wrong", "203.0.113.9"))


# --- The admin, opened by a member -----------------------------------------------------


def test_a_member_opening_the_admin_gets_a_clear_403(client, home, member):
    client.force_login(member)
    for path in ("/admin/", "/admin/pages/", "/admin/support/tickets/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "This area is for the support team and content editors" in response.content.decode()
        assert member.email in response.content.decode()


def test_editors_still_reach_the_admin(client, home, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


def test_visitors_opening_the_admin_are_sent_to_the_portal_sign_in(client, home):
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
