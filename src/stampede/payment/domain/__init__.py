"""Payment rules without I/O: a payment's states and how it may move, what may be paid and
refunded, how a provider's standing settles an open question, and the answers' shapes."""
