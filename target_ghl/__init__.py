"""target-ghl: a Singer target that writes records back into HighLevel."""
