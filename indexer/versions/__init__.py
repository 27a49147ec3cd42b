"""Versions of a document (one per content hash) and what changed between them (issue 11)."""
