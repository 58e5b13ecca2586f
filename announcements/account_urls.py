"""Member-facing announcement settings, mounted under ``/account/``."""

from django.urls import path

from . import views

app_name = "announcements_account"
urlpatterns = [
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
