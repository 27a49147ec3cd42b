"""Repost clusters: near-duplicate announcements across sources share a ``cluster_id``.

``normalize`` turns a page into comparable text, ``sketch`` into a MinHash signature with LSH band
hashes, ``verify`` decides whether two sketches are copies of one document, ``book`` groups sketches
in memory (the CLI and a batch), ``assign`` does it against the index at write time, ``origin`` tells
an issuer's own page from a repost.
"""
