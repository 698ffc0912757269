"""Private: constructor fields and call kwargs resolved into CallOptions."""
