"""Private: error types, their classification and redaction (public facade: errors)."""
