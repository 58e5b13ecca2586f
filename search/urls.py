from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/click/", views.click, name="search_click"),
    path("api/v1/search", views.api_search, name="api_search"),
    path("api/v1/search/suggest", views.api_suggest, name="api_search_suggest"),
]
