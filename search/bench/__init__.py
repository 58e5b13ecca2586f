"""Measuring search: relevance on public benchmark sets (``evaluation``), speed on a
synthetic index (``benchmark``) and the sentence encoders (``embeddings``), behind the
``search_eval``, ``search_bench`` and ``embed_bench`` commands. Nothing here runs while
the site serves pages."""
