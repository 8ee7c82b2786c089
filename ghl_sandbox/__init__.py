"""A local, offline emulation of the subset of HighLevel's API v2 the connectors use.

The real API cannot be called from tests or CI (no sandbox tenant, strict rate limits,
single-use refresh tokens), so this package stands in for it: same paths, headers, error
shapes and pagination rules as HighLevel documents them, seeded data that is identical
run to run, and an admin API under ``/_sandbox/`` to inject the failures a connector must
survive. See ``docs/sandbox.md`` for what is taken from the spec and what is a guess.
"""
