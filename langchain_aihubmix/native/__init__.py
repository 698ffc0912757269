"""native route."""
