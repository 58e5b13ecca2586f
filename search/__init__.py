"""Portal search, read side: the document schema and the backends that store it.

``indexing`` builds documents and writes them; everything that queries goes through here.
"""
