from django.urls import path

from search import views as search_views

from .auth import bearer_token
from .v1 import api

urlpatterns = [
    # The search API stays a plain view with its own contract (search/views.py); it takes
    # a token like the rest of API v1.
    path("api/v1/search", bearer_token(search_views.api_search), name="api_search"),
    path(
        "api/v1/search/suggest",
        bearer_token(search_views.api_suggest),
        name="api_search_suggest",
    ),
    path("api/v1/", api.urls),
]
