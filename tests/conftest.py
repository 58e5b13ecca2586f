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


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the site's default language: a request leaves its language
    active in the thread, and signing in keeps the language being read on the account."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache (rate limits, Wagtail's renditions, cached
    fragments of another test's database) and with no metrics counted (the process's own
    counters too: they stand in for the shared ones the cache just lost)."""
    from django.core.cache import caches

    from core import metrics
    from core.markdown import clear_local_cache

    for cache in caches.all():
        cache.clear()
    clear_local_cache()
    with metrics._lock:
        metrics._local.clear()


@pytest.fixture(autouse=True)
def isolated_search(request, settings, tmp_path_factory):
    """Every test gets its own empty search index, so no test sees another's documents
    (and no cached synonyms or product names of another test's database)."""
    from search import analytics, service, synonyms
    from search.backends import reset_backends
    from tests.search.support import unique_prefix

    analytics.discard()
    synonyms.clear()
    service.forget_product_names()

    settings.SEARCH_INDEX_PREFIX = unique_prefix()
    settings.SEARCH_EMBEDDED_PATH = tmp_path_factory.mktemp("search")
    yield
    reset_backends()
    synonyms.clear()
    service.forget_product_names()


@pytest.fixture
def sync_search(db):
    """Apply what the test queued for the search index (a test's transaction never
    commits, so the after-commit drain does not run by itself); returns the backend."""
    from indexing import services
    from search.backends import get_backend

    def sync():
        backend = get_backend()
        result = services.drain(backend=backend, include_waiting=True)
        assert not result.error, result.error
        backend.refresh()
        return backend

    return sync
