from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("articles/<int:article_id>/helpful/", views.helpful_vote, name="helpful_vote"),
    path("categories/<int:category_id>/follow/", views.follow_category, name="follow_category"),
]
