"""The profile: what a member declares (personalization) versus what they were granted."""

import pytest
from django.urls import reverse

from segments import policy
from segments.models import Segment, SegmentMembership
from tests.factories import SegmentFactory, grant, make_article, make_category
from users.services import NotAProduct, NotARole, update_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles(db):
    return {
        slug: SegmentFactory(kind=Segment.Kind.ROLE, slug=slug, name=name)
        for slug, name in [("developer", "Developer"), ("administrator", "Administrator")]
    }


def test_profile_requires_sign_in(client, home):
    response = client.get(reverse("users:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/account/profile/")


def test_profile_shows_the_form_and_links(client, home, member, products, roles):
    client.force_login(member)
    response = client.get(reverse("users:profile"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    for product in products.values():
        assert f'value="{product.pk}"' in html
    assert 'type="checkbox" name="declared_products"' in html
    assert 'type="radio" name="declared_role"' in html
    for name in ("account_email", "account_change_password", "mfa_index"):
        assert f'href="{reverse(name)}"' in html
    assert "never changes what you can access" in html


def test_saving_the_profile_declares_but_never_grants(client, home, member, products, roles):
    client.force_login(member)
    response = client.post(
        reverse("users:profile"),
        {
            "display_name": "  Dana Developer ",
            "declared_products": [products["ledger"].pk, products["relay"].pk],
            "declared_role": roles["developer"].pk,
            # A tampered form cannot grant anything: there is no such field.
            "segments": [products["atlas"].pk],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("users:profile")

    member.refresh_from_db()
    assert member.display_name == "Dana Developer"
    assert set(member.declared_products.all()) == {products["ledger"], products["relay"]}
    assert member.declared_role == roles["developer"]
    assert not SegmentMembership.objects.exists()
    assert policy.granted_segment_ids(member) == frozenset()

    page = client.get(response["Location"]).content.decode()
    assert "Your profile has been saved." in page
    assert 'role="status"' in page


def test_declared_product_does_not_unlock_restricted_content(client, home, member, products):
    secret = make_article(
        make_category(title="Ledger"),
        title="Ledger escalation runbook",
        segments=[products["ledger"]],
        restricted=True,
    )
    update_profile(member, display_name="", declared_products=[products["ledger"]])
    client.force_login(member)
    assert client.get(secret.url).status_code == 404


def test_unchecking_everything_clears_the_declarations(client, home, member, products, roles):
    member.declared_products.set([products["atlas"]])
    member.declared_role = roles["administrator"]
    member.save()
    client.force_login(member)
    client.post(reverse("users:profile"), {"display_name": "", "declared_role": ""})
    member.refresh_from_db()
    assert not member.declared_products.exists()
    assert member.declared_role is None
    assert member.public_name == member.username  # falls back to the email's local part


def test_invalid_choices_are_rejected_with_a_message(client, home, member, products, roles):
    client.force_login(member)
    response = client.post(
        reverse("users:profile"),
        # A role offered as a product and a product offered as a role.
        {
            "display_name": "X",
            "declared_products": [roles["developer"].pk],
            "declared_role": products["ledger"].pk,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-error"' in html
    assert 'aria-invalid="true"' in html or "form-field--invalid" in html
    member.refresh_from_db()
    assert not member.declared_products.exists()
    assert member.declared_role is None


def test_granted_segments_are_listed_read_only(client, home, member, products):
    grant(member, products["atlas"])
    client.force_login(member)
    html = client.get(reverse("users:profile")).content.decode()
    access = html[html.index('id="profile-access"') :]
    assert "Atlas" in access
    assert "cannot be changed here" in access
    assert "<input" not in access.split("</section>")[0]


def test_update_profile_only_accepts_products_and_roles(member, products, roles):
    with pytest.raises(NotAProduct):
        update_profile(member, display_name="", declared_products=[roles["developer"]])
    with pytest.raises(NotARole):
        update_profile(member, display_name="", declared_role=products["ledger"])
    update_profile(
        member,
        display_name="Kim",
        declared_products=[products["relay"]],
        declared_role=roles["administrator"],
    )
    member.refresh_from_db()
    assert member.display_name == "Kim"
    assert list(member.declared_products.all()) == [products["relay"]]
    assert not SegmentMembership.objects.filter(user=member).exists()
