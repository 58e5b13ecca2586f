import pytest

from segments.models import Segment
from tests.factories import SegmentFactory, UserFactory, make_home


@pytest.fixture
def home(db):
    return make_home()


@pytest.fixture
def products(db):
    return {
        slug: SegmentFactory(kind=Segment.Kind.PRODUCT, slug=slug, name=name)
        for slug, name in [("ledger", "Ledger"), ("relay", "Relay"), ("atlas", "Atlas")]
    }


@pytest.fixture
def member(db):
    return UserFactory(username="member")


@pytest.fixture
def other_member(db):
    return UserFactory(username="other")


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group

    user = UserFactory(username="editor")
    group = Group.objects.filter(name="Editors").first()
    if group:
        user.groups.add(group)
    return user


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)
