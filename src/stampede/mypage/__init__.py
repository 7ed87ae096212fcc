"""My page: a read model (CQRS) of everything a user has going on, fed only by events."""
