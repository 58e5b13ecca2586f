"""Following a knowledge-base category: new articles in it reach the follower's
notifications, restricted ones only people granted them."""

from tests.factories import UserFactory, make_article, make_category
from users import follows
from users.models import Notification


def test_follow_a_category_then_hear_of_new_articles(client, home, member, products):
    category = make_category(title="Webhooks")
    client.force_login(member)
    page = client.get(category.url).content.decode()
    assert "Follow this category" in page
    assert client.post(f"/feedback/categories/{category.pk}/follow/").status_code == 302
    assert follows.follows_category(member, category)
    assert 'aria-pressed="true"' in client.get(category.url).content.decode()

    make_article(category, title="Rotate your webhook signing secret")
    make_article(
        category,
        title="A restricted ledger secret",
        segments=[products["ledger"]],
        restricted=True,
    )
    notes = Notification.objects.filter(user=member)
    assert [n.kind for n in notes] == ["category"]
    listing = client.get("/account/notifications/").content.decode()
    assert "Rotate your webhook signing secret" in listing
    assert "A restricted ledger secret" not in listing
    assert "Webhooks" in client.get("/account/profile/").content.decode()

    client.post(f"/feedback/categories/{category.pk}/follow/", {"action": "unfollow"})
    assert not follows.follows_category(member, category)


def test_signed_out_visitors_are_invited_to_sign_in_to_follow(client, home):
    category = make_category(title="Webhooks")
    assert "Sign in to follow this category" in client.get(category.url).content.decode()


def test_following_needs_sign_in(client, home):
    category = make_category()
    response = client.post(f"/feedback/categories/{category.pk}/follow/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not follows.follows_category(UserFactory(), category)
