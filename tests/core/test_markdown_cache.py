"""Markdown is rendered once per source, not per request, and stays sanitized."""

import uuid

import pytest

from core import markdown
from core.markdown import USER_CONTENT_PREFIX, HeadingIds, headings, render_markdown
from tests.core.test_markdown import assert_inert


def renders() -> int:
    """How many times the real renderer has run in this process."""
    return markdown.RENDER_CALLS


def unique(text: str) -> str:
    return f"{text}\n\n{uuid.uuid4().hex}"


def test_the_same_source_is_rendered_once():
    source = unique("## Install\n\nRun **it**.")
    before = renders()
    first = render_markdown(source)
    second = render_markdown(source)
    assert renders() == before + 1
    assert first == second
    assert '<h2 id="install">' in second


def test_shared_cache_serves_another_process():
    """A render kept only in the shared cache (another process did it) is not redone."""
    source = unique("Some *text*.")
    before = renders()
    render_markdown(source)
    markdown.clear_local_cache()
    render_markdown(source)
    assert renders() == before + 1


def test_a_new_renderer_version_renders_again(monkeypatch):
    source = unique("Plain text.")
    before = renders()
    render_markdown(source)
    monkeypatch.setattr(markdown, "RENDERER_VERSION", markdown.RENDERER_VERSION + "-next")
    render_markdown(source)
    assert renders() == before + 2
    render_markdown(source)
    assert renders() == before + 2


def test_a_different_source_is_rendered():
    before = renders()
    render_markdown(unique("One."))
    render_markdown(unique("One."))
    assert renders() == before + 2


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_cached_output_is_still_sanitized(source):
    source = unique(source)
    for _ in range(2):  # rendered, then from the cache
        assert_inert(render_markdown(source))


def test_heading_ids_stay_unique_across_blocks_when_cached():
    block = unique("## Setup\n\nText.")

    def document():
        ids = HeadingIds()
        return [render_markdown(block, heading_ids=ids) for _ in range(3)], ids

    first, first_ids = document()
    second, second_ids = document()
    assert first == second
    assert sorted(second_ids.taken) == ["setup", "setup-1", "setup-2"]
    assert [h.id for h in headings(block, heading_ids=HeadingIds())] == ["setup"]


def test_member_content_keeps_its_prefix_when_cached():
    source = unique("## Question")
    assert render_markdown(source, id_prefix=USER_CONTENT_PREFIX) == render_markdown(
        source, id_prefix=USER_CONTENT_PREFIX
    )
    assert f'id="{USER_CONTENT_PREFIX}question"' in render_markdown(
        source, id_prefix=USER_CONTENT_PREFIX
    )
    assert 'id="question-1"' in render_markdown(source)  # "question" is the page's own id


def test_callout_label_follows_the_language_even_when_cached():
    from django.utils import translation

    source = unique("::: note\nMind the gap.\n:::")
    english = render_markdown(source)
    with translation.override("ro"):
        romanian = render_markdown(source)
    assert 'aria-label="Note"' in english
    assert 'aria-label="Notă"' in romanian


@pytest.mark.django_db
def test_an_article_is_rendered_once_whatever_the_requests(client, home):
    from tests.factories import make_article, make_category, make_kb_index, publish

    kb = publish(make_kb_index(home))
    category = make_category(kb, title="Start", slug="start")
    body = unique("## Before you start\n\nYou need **an account**.\n\n::: tip\nBe quick.\n:::")
    article = make_article(category, "Install", body, slug="install", summary="Install it.")
    before = renders()
    first = client.get(article.url)
    rendered = renders() - before
    assert first.status_code == 200
    assert rendered >= 1
    for _ in range(3):
        again = client.get(article.url)
        assert again.status_code == 200
        assert 'id="before-you-start"' in again.content.decode()
    assert renders() - before == rendered
