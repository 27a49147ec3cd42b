"""Index stage: mappings, bulk writer, search (and later alerts and digests) on the search engine."""
