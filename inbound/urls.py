from django.urls import path

from . import views

app_name = "inbound"
urlpatterns = [
    path("inbound-email/", views.inbound_email, name="inbound_email"),
    path("email/solved/<str:token>/", views.solved, name="solved"),
]
