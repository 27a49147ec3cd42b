"""Policy Radar's shared core: settings, record schemas, Kafka helpers, document ids and the CLI."""

__version__ = "0.1.0"
