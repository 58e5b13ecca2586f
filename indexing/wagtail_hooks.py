from wagtail import hooks

from .viewsets import SearchIndexViewSetGroup, register_permission_policies

register_permission_policies()


@hooks.register("register_admin_viewset")
def register_search_index_viewsets():
    return SearchIndexViewSetGroup()
