"""Shared kernel: settings, seams (database, bus, store, calls), outbox/inbox, web plumbing.

It knows no business words and imports no context."""
