"""Downloader middlewares of the crawl stage."""
