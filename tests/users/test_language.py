"""The interface language: first visits follow the browser, the switcher keeps the page,
signed-in members keep their choice on the account, and anonymous readers get no session."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse

from announcements import services as announcement_services
from tests.factories import (
    UserFactory,
    make_announcement,
    make_announcement_index,
    make_article,
    make_category,
)
from users.services import NotALanguage, set_language

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("fa", "rtl"), ("ro", "ltr")])
def test_html_lang_and_dir_follow_the_language(client, home, language, direction):
    client.cookies[COOKIE] = language
    response = client.get("/")
    assert response.status_code == 200
    tag = html_tag(response)
    assert f'lang="{language}"' in tag
    assert f'dir="{direction}"' in tag
    assert response["Content-Language"] == language


def test_a_first_visit_follows_accept_language(client, home):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9,en;q=0.5")
    assert 'lang="fa" dir="rtl"' in html_tag(response)
    assert "Accept-Language" in response["Vary"]
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ro-RO,ro;q=0.9")
    assert 'lang="ro" dir="ltr"' in html_tag(response)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert 'lang="en" dir="ltr"' in html_tag(response)


def test_the_header_switcher_posts_to_set_language_with_the_current_page(client, home):
    response = client.get("/kb/?page=1")
    html = response.content.decode()
    header = html[html.index('<header class="site-header"') : html.index("</header>")]
    assert f'action="{reverse("set_language")}"' in header
    assert 'name="next" type="hidden" value="/kb/?page=1"' in header
    for code in ("en", "fa", "ro"):
        assert f'name="language" value="{code}" lang="{code}"' in header
    assert "فارسی" in header and "Română" in header


def test_an_anonymous_switch_keeps_the_page_and_creates_no_session(client, home):
    category = make_category()
    article = make_article(category, "Export invoices", body="Open **Billing**.")
    response = client.post(reverse("set_language"), {"language": "fa", "next": article.url})
    assert response.status_code == 302
    assert response["Location"] == article.url
    assert response.cookies[COOKIE].value == "fa"
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == 0

    page = client.get(article.url)
    assert 'lang="fa" dir="rtl"' in html_tag(page)
    assert settings.SESSION_COOKIE_NAME not in page.cookies
    assert Session.objects.count() == 0


def test_a_member_switch_is_kept_on_the_account(client, home, member):
    client.force_login(member)
    response = client.post(reverse("set_language"), {"language": "ro", "next": "/kb/"})
    assert response["Location"] == "/kb/"
    member.refresh_from_db()
    assert member.language == "ro"

    # Another browser, without the cookie: the account's language applies.
    other = type(client)()
    other.force_login(member)
    response = other.get("/", HTTP_ACCEPT_LANGUAGE="fa")
    assert 'lang="ro"' in html_tag(response)
    assert response.cookies[COOKIE].value == "ro"


def test_signing_in_applies_the_account_language(client, home):
    user = UserFactory(username="farah", language="fa")
    client.cookies[COOKIE] = "en"
    response = client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "fa"
    assert 'lang="fa" dir="rtl"' in html_tag(client.get("/"))


def test_signing_in_keeps_the_language_being_read_on_an_account_without_one(client, home):
    user = UserFactory(username="radu")
    assert user.language == ""
    client.cookies[COOKIE] = "ro"
    client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    user.refresh_from_db()
    assert user.language == "ro"


def test_the_profile_offers_the_language(client, home, member):
    client.force_login(member)
    html = client.get(reverse("users:profile")).content.decode()
    assert 'name="language"' in html
    response = client.post(reverse("users:profile"), {"display_name": "M", "language": "fa"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "fa"
    assert 'lang="fa" dir="rtl"' in html_tag(client.get(reverse("users:profile")))

    response = client.post(reverse("users:profile"), {"display_name": "M", "language": "xx"})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.language == "fa"


def test_only_languages_of_the_site_are_kept(member):
    assert set_language(member, "fa-IR").language == "fa"
    with pytest.raises(NotALanguage):
        set_language(member, "de")


def test_announcement_emails_are_in_each_recipients_language(
    home, products, settings, django_capture_on_commit_callbacks
):
    settings.PORTICO_ANNOUNCEMENT_EMAIL_MAX_AGE_DAYS = 100_000  # a fixed, older date
    index = make_announcement_index(home)
    people = {code: UserFactory(username=f"reader-{code}", language=code) for code in ("fa", "ro")}
    people["en"] = UserFactory(username="reader-default")  # no language: the site's
    for person in people.values():
        announcement_services.set_subscriptions(person, [products["ledger"]])
    with django_capture_on_commit_callbacks(execute=True):
        make_announcement(
            index, "Ledger 5.0", segments=[products["ledger"]], date=dt.date(2026, 3, 21)
        )
    bodies = {message.to[0]: message.body for message in mail.outbox}
    persian = bodies[people["fa"].email]
    assert "۱ فروردین ۱۴۰۵" in persian
    assert "خواندن اطلاعیه:" in persian
    assert "21 martie 2026" in bodies[people["ro"].email]
    assert "Citiți anunțul:" in bodies[people["ro"].email]
    assert "March 21, 2026" in bodies[people["en"].email]
