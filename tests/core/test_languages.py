"""Content carries its own language and direction; the Persian font only for Persian."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import Context, Template

from core.languages import content_language, direction
from tests.factories import make_article, make_category

COOKIE = settings.LANGUAGE_COOKIE_NAME


def render(source: str, **context) -> str:
    return Template("{% load portico %}" + source).render(Context(context))


def test_content_language_comes_from_a_language_field():
    assert content_language(SimpleNamespace(language="fa-IR")) == "fa"
    assert render("<div{% content_lang q %}>", q=SimpleNamespace(language="fa")) == (
        '<div lang="fa" dir="rtl">'
    )
    assert render("<div{% content_lang q %}>", q=SimpleNamespace(language="ro")) == (
        '<div lang="ro" dir="ltr">'
    )


def test_text_of_unknown_language_takes_its_direction_from_itself():
    assert content_language(SimpleNamespace(body="سلام")) == ""
    assert render("<p{% content_lang a %}>", a=SimpleNamespace(body="سلام")) == '<p dir="auto">'
    assert direction("fa") == "rtl" and direction("en") == "ltr"


@pytest.mark.django_db
def test_an_english_article_keeps_its_direction_in_the_persian_interface(client, home):
    article = make_article(
        make_category(),
        "Export invoices",
        body="Run:\n\n```bash\nportico export --since 2026-01-01\n```\n",
    )
    assert content_language(article) == "en"  # the page's Wagtail locale
    client.cookies[COOKIE] = "fa"
    html = client.get(article.url).content.decode()
    assert '<html lang="fa" dir="rtl"' in html
    assert '<div class="content-lang" lang="en" dir="ltr"><div class="prose">' in html
    assert '<span class="content-lang" lang="en" dir="ltr">Export invoices</span>' in html
    assert '<pre dir="ltr"><code class="language-bash">' in html
    # The Persian font is preloaded for Persian pages only.
    assert "vazirmatn-arabic-wght-normal" in html
    client.cookies[COOKIE] = "en"
    assert "vazirmatn" not in client.get(article.url).content.decode()


def test_the_persian_font_is_served_by_the_site_with_its_license():
    for name in ("arabic", "latin", "latin-ext"):
        path = finders.find(f"fonts/vazirmatn/vazirmatn-{name}-wght-normal.woff2")
        assert path, name
        with open(path, "rb") as font:
            assert font.read(4) == b"wOF2"
    license_path = finders.find("fonts/vazirmatn/OFL.txt")
    with open(license_path, encoding="utf-8") as license_file:
        assert "SIL Open Font License" in license_file.read()
    with open(finders.find("css/portico.css"), encoding="utf-8") as css:
        stylesheet = css.read()
    assert 'url("../fonts/vazirmatn/vazirmatn-arabic-wght-normal.woff2")' in stylesheet
    assert "//fonts." not in stylesheet  # no font CDN
