"""What tap-ghl and target-ghl share that ``ghl_api`` must not: it imports singer-sdk.

``settings``: the connection keys as singer-sdk properties and the checks of every other
setting (dates, timezones, writable paths), each failing as one line naming the key.
``exits``: how a CLI run ends on a known error (one line, exit code, traceback only at
DEBUG) or on SIGTERM (summary first). ``progress``: the periodic progress line.
"""
