"""Item pipelines of the crawl stage."""
