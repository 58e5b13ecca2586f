from tests.search.support import osmem, site_backend  # noqa: F401
