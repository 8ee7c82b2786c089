"""The HighLevel API layer shared by tap-ghl and target-ghl.

One place owns what every HighLevel call needs: authentication (static tokens and
single-use OAuth refresh tokens kept in a locked, atomically written store), pacing
against HighLevel's burst and daily limits, retries that never re-send a write whose
outcome is unknown, and errors that name their cause in one line.
"""

API_VERSION = "2021-07-28"
DEFAULT_API_URL = "https://services.leadconnectorhq.com"
