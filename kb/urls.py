from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("articles/<int:article_id>/helpful/", views.helpful_vote, name="helpful_vote"),
]
