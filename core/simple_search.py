MAX_QUERY_LENGTH = 500


def search_content(query, user):
    return []
