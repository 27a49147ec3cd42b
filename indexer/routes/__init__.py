"""The HTTP API's routes, one router per concern: search and export, alerts, the web page; and the
error bodies and handlers they share (``indexer.api.create_app`` puts them together)."""
