from django.http import Http404
from wagtail import hooks

from . import policy
from .viewsets import SegmentsViewSetGroup


@hooks.register("register_admin_viewset")
def register_segments_viewsets():
    return SegmentsViewSetGroup()


@hooks.register("before_serve_page")
def deny_restricted_pages(page, request, serve_args, serve_kwargs):
    """A restricted page answers 404 to anyone outside its segments (not 403: no hint).

    Wagtail's own privacy (login, password, groups) is answered by Wagtail's hook after this
    one, with the sign-in page or the password form, so it is left out here.
    """
    if not policy.can_view(page, request.user, page_privacy=False):
        raise Http404


@hooks.register("before_serve_document")
def deny_documents_of_restricted_content(document, request):
    """A document follows the content that uses it (``policy.can_view_file``): 404 to
    anyone who may not see a published page using it, like the page itself."""
    if not policy.can_view_file(document, request.user):
        raise Http404
    return None
