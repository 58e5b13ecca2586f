from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from wagtail import hooks
from wagtail.models import ReferenceIndex

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
    """A file used only by content the person may not see answers 404 too.

    Wagtail's reference index knows which pages use a document. If every segment-aware item
    that uses it is hidden from this person, the file is hidden as well; a file that public
    content uses, or that nothing segment-aware uses, is served as usual.
    """
    if policy.is_privileged(request.user):
        return None
    users = []
    for content_type_id, object_id in ReferenceIndex.get_references_to(document).values_list(
        "content_type_id", "object_id"
    ):
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None or not hasattr(model, "restricted"):
            continue
        item = model._default_manager.filter(pk=object_id).first()
        if item is not None:
            users.append(item)
    if users and not any(policy.can_view(item, request.user) for item in users):
        raise Http404
    return None
