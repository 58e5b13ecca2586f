from tests.search.support import backend, knn_cluster, osmem, site_backend  # noqa: F401
