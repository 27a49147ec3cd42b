"""Pure extraction logic (no spaCy, no Kafka): amounts, ratios, gazetteers, classification."""
