from django.http import Http404
from wagtail import hooks

from . import policy
from .viewsets import SegmentsViewSetGroup


@hooks.register("register_admin_viewset")
def register_segments_viewsets():
    return SegmentsViewSetGroup()


@hooks.register("before_serve_page")
def deny_restricted_pages(page, request, serve_args, serve_kwargs):
    """A restricted page answers 404 to anyone outside its segments (not 403: no hint)."""
    if not policy.can_view(page, request.user):
        raise Http404
