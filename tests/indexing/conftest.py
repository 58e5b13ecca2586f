from tests.search.support import backend, osmem, site_backend  # noqa: F401
