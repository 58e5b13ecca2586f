"""What the read side tells the rest of the portal, without knowing who listens.

- ``stale_hits(keys)``: hits the database no longer shows (deleted, hidden, restricted
  since they were indexed); the write side re-indexes them.
- ``page_searched(request, query)``: someone searched on the search page; a support
  request that follows can show agents what they looked for.
- ``index_written()``: the write side changed the index (a batch applied, a rebuilt
  version switched to); the read side forgets the pages of results it kept.
"""

from django.dispatch import Signal

stale_hits = Signal()
page_searched = Signal()
index_written = Signal()
