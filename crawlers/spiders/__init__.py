"""Generic spiders: one per entry-point kind, configured by a source spec, never one per site."""
