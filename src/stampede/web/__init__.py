"""The web context: server-rendered pages in Korean and English that call the public API through
the gateway, as any other client does."""
