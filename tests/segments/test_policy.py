from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.utils import timezone

from kb.models import ArticlePage
from segments import policy
from segments.models import Segment, SegmentMembership
from tests.factories import SegmentFactory, UserFactory, grant, make_article


@pytest.fixture
def restricted(products, home):
    return make_article(title="Ledger beta", segments=[products["ledger"]], restricted=True)


@pytest.fixture
def public(products, home):
    return make_article(title="Public guide", segments=[products["ledger"]])


def test_public_items_are_visible_to_everyone(public, member):
    assert policy.can_view(public, AnonymousUser())
    assert policy.can_view(public, member)


def test_restricted_item_hidden_from_anonymous_and_ungranted(restricted, member):
    assert not policy.can_view(restricted, AnonymousUser())
    assert not policy.can_view(restricted, member)


def test_declaring_a_product_or_role_never_unlocks(restricted, member, products):
    role = SegmentFactory(kind=Segment.Kind.ROLE, slug="developer")
    restricted.segments.add(role)
    member.declared_products.set([products["ledger"]])
    member.declared_role = role
    member.save()
    policy.forget(member)
    assert not policy.can_view(restricted, member)
    assert restricted not in policy.visible_to(ArticlePage.objects.all(), member)


def test_granted_member_sees_restricted_item(restricted, member, products):
    grant(member, products["ledger"])
    assert policy.can_view(restricted, member)
    assert restricted in policy.visible_to(ArticlePage.objects.all(), member)


def test_grant_of_another_segment_does_not_unlock(restricted, member, products):
    grant(member, products["relay"])
    assert not policy.can_view(restricted, member)


def test_expired_membership_does_not_unlock(restricted, member, products):
    SegmentMembership.objects.create(
        user=member, segment=products["ledger"], expires_at=timezone.now() - timedelta(days=1)
    )
    assert not policy.can_view(restricted, member)


def test_staff_and_editors_see_everything(restricted, staff):
    editor = UserFactory(username="ed")
    group = Group.objects.create(name="Content editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    assert policy.can_view(restricted, staff)
    assert policy.can_view(restricted, editor)
    assert restricted in policy.visible_to(ArticlePage.objects.all(), editor)


def test_inactive_staff_is_not_privileged(restricted):
    ghost = UserFactory(username="ghost", is_staff=True, is_active=False)
    assert not policy.can_view(restricted, ghost)


def test_restricted_without_segments_is_staff_only(home, member, staff):
    article = make_article(title="Internal", restricted=True)
    grant(member, SegmentFactory(slug="anything"))
    assert not policy.can_view(article, member)
    assert policy.can_view(article, staff)


def test_visible_to_has_no_duplicates(public, restricted, member, products):
    grant(member, products["ledger"])
    grant(member, products["relay"])
    restricted.segments.add(products["relay"])
    ids = list(policy.visible_to(ArticlePage.objects.all(), member).values_list("pk", flat=True))
    assert sorted(ids) == sorted({public.pk, restricted.pk})


def test_access_terms(restricted, member, staff, products):
    assert policy.access_terms(AnonymousUser()) == ["public"]
    grant(member, products["ledger"])
    assert policy.access_terms(member) == ["public", f"segment:{products['ledger'].pk}"]
    assert policy.access_terms(staff) is None
    assert policy.document_access_terms(restricted) == [f"segment:{products['ledger'].pk}"]


def test_granted_segments_are_cached_per_user_object(member, products, django_assert_num_queries):
    grant(member, products["ledger"])
    policy.granted_segment_ids(member)
    with django_assert_num_queries(0):
        policy.granted_segment_ids(member)


def test_admin_access_through_a_direct_permission_counts(restricted):
    user = UserFactory(username="direct")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    assert policy.is_privileged(user)
    assert policy.can_view(restricted, user)


def test_grants_and_admin_access_take_one_query(member, products, django_assert_num_queries):
    grant(member, products["ledger"])
    policy.forget(member)
    with django_assert_num_queries(1):
        assert policy.granted_segment_ids(member) == {products["ledger"].pk}
        assert not policy.is_privileged(member)
