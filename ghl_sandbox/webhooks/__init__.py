"""The sandbox's outgoing webhooks: HighLevel's events for its writes and admin changes.

``signing`` holds the sandbox's own TEST key pair, ``sender`` the background delivery,
``payloads`` the event bodies (``docs/webhook events/*.md``) handlers hand to the sender.
"""

from ghl_sandbox.webhooks.sender import WebhookSender
from ghl_sandbox.webhooks.signing import TestSigningKeys

__all__ = ["TestSigningKeys", "WebhookSender"]
