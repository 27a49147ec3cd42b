"""Alerts: stored searches (percolator queries), their matches, digests and the delivery ledger."""
