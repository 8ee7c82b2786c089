"""Fault suite: each fault a user can meet, run through the plugin CLIs against ghl-sandbox."""
