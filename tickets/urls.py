from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("new/suggest/", views.suggest, name="suggest"),
    path("new/open/<str:key>/", views.open_suggestion, name="open"),
    path("new/solved/", views.solved, name="solved"),
    path("new/done/", views.done, name="done"),
    path("answer-feedback/", views.answer_feedback, name="answer_feedback"),
    path("new/restart/", views.restart, name="restart"),
    path("new/details/", views.details, name="details"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", views.reply, name="reply"),
    path("tickets/<int:number>/close/", views.close, name="close"),
    path("tickets/<int:number>/reopen/", views.reopen, name="reopen"),
    path("tickets/<int:number>/rate/", views.rate, name="rate"),
    path("tickets/<int:number>/rate/<str:token>/", views.rate_link, name="rate_link"),
    path("files/<int:pk>/<str:name>", views.attachment, name="attachment"),
]
