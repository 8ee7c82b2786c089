"""Shard an agency's locations across Meltano jobs (see README.md)."""
