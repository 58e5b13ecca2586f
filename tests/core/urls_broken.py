"""A URLconf with a view that fails, for the logging tests."""

from django.urls import path


def broken(request):
    raise RuntimeError("the view broke")


urlpatterns = [path("broken/", broken)]
