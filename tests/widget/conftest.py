import pytest

from tests.factories import make_article, make_category


@pytest.fixture
def articles(home, products, sync_search):
    """A public article and a restricted one (Relay members only), both indexed."""
    category = make_category(title="Webhooks")
    public = make_article(
        category,
        "Verify webhook signatures",
        body="## Why signatures fail\n\nA signature fails when the signing secret was rotated. "
        "Copy the new secret from Settings and redeploy.",
        segments=[products["relay"]],
    )
    restricted = make_article(
        category,
        "Webhook signing for partner accounts",
        body="Partner accounts sign webhooks with the Quillwhistle signing secret.",
        segments=[products["relay"]],
        restricted=True,
    )
    sync_search()
    return {"public": public, "restricted": restricted}
