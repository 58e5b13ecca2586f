from django.urls import path

from . import views

app_name = "users"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/api-tokens/", views.create_api_token, name="api_token_create"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path(
        "profile/api-tokens/<int:token_id>/revoke/",
        views.revoke_api_token,
        name="api_token_revoke",
    ),
]
