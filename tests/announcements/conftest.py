import pytest

from tests.factories import make_announcement_index


@pytest.fixture
def index(home):
    index = make_announcement_index(home)
    index.intro = "Product news, releases and maintenance windows."
    index.save_revision().publish()
    return index
