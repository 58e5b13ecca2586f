from django.urls import path

from . import views

app_name = "widget"
urlpatterns = [
    path("", views.panel, name="panel"),
    path("results/", views.results, name="results"),
    path("config/", views.config, name="config"),
    path("answer-feedback/", views.answer_feedback, name="answer_feedback"),
]
