"""Private: the gateway's model catalogue read and fetched (`catalog` re-exports)."""
