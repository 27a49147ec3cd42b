"""Crawl stage: declarative sources, generic Scrapy spiders and the Kafka item pipeline."""
