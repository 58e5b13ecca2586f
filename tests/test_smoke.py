from tests.factories import make_article, make_category


def test_article_renders_for_anonymous_visitor(client, home):
    article = make_article(make_category(title="Getting started"), title="Install the agent")
    response = client.get(article.url)
    assert response.status_code == 200
