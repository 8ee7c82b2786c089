"""tap-ghl: a Singer tap for the HighLevel (GoHighLevel / LeadConnector) API v2."""
