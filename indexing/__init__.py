"""Search indexing, write side: documents built from content, a transactional queue of
changes, and the tasks and commands that move them into the search backend."""
