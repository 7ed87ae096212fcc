"""Gateway: the one public entry — routing, token check, rate limits, body cap, request ids."""
