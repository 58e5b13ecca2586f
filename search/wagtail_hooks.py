from wagtail import hooks

from .viewsets import SearchViewSetGroup


@hooks.register("register_admin_viewset")
def register_search_viewsets():
    return SearchViewSetGroup()
