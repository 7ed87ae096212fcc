"""Identity's rules in plain Python: accounts, companies, tokens and signing keys.

No database, web or network imports here; everything is a function of its arguments (plus
randomness for secrets and keys).
"""
