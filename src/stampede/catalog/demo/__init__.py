"""The shipped demo feed (feed.json), written by scripts/make-demo-feed."""
