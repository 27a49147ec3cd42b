"""Process stage: language detection, spaCy pipelines with our extractors, consume-enrich-produce."""

EXTRACTOR_VERSION = "0.2.0"
