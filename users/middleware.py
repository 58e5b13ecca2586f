"""The admin's front door for people who may not use it.

Wagtail sends anyone without admin access to the sign-in page. For a signed-in member
that page (allauth) sends them straight back to where they came from — the admin — and
the browser loops until it gives up. Instead, a signed-in person without admin access
who opens any admin URL gets a plain 403 page that says who they are signed in as and
where to go.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse


def may_use_admin(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("wagtailadmin.access_admin"))


class AdminAccessMiddleware:
    """Place it after ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix = None

    def prefix(self) -> str:
        if self._prefix is None:
            self._prefix = reverse("wagtailadmin_home")
        return self._prefix

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path_info.startswith(self.prefix())
            and not may_use_admin(user)
        ):
            return render(request, "403_admin.html", status=403)
        return self.get_response(request)
