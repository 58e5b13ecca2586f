from django.urls import path

from . import views

app_name = "forum"
urlpatterns = [
    path("", views.question_list, name="index"),
    path("ask/", views.ask, name="ask"),
    path("similar/", views.similar, name="similar"),
    path("preview/", views.preview, name="preview"),
    path("tag-suggestions/", views.tag_suggestions, name="tag_suggestions"),
    path("settings/", views.notification_settings, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("p/<slug:product_slug>/", views.question_list, name="product"),
    path("tags/", views.tag_index, name="tags"),
    path("tags/<str:tag_slug>/", views.question_list, name="tag"),
    path("tags/<str:tag_slug>/follow/", views.follow_tag, name="follow_tag"),
    path("q/<int:pk>/", views.question_detail, name="question_short"),
    path("q/<int:pk>/edit/", views.edit_question, name="edit_question"),
    path("q/<int:pk>/history/", views.question_history, name="history"),
    path("q/<int:pk>/answer/", views.post_answer, name="answer"),
    path("q/<int:pk>/comment/", views.post_comment, name="comment"),
    path("q/<int:pk>/watch/", views.watch, name="watch"),
    path("q/<int:pk>/<str:slug>/", views.question_detail, name="question"),
    path("a/<int:pk>/edit/", views.edit_answer, name="edit_answer"),
    path("a/<int:pk>/accept/", views.accept, name="accept"),
    path("vote/<str:kind>/<int:pk>/", views.vote, name="vote"),
    path("flag/<str:kind>/<int:pk>/", views.flag, name="flag"),
    path("u/<str:username>/", views.profile, name="profile"),
]
