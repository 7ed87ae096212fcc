"""Pure rules of the web pages: languages and words, formatting, CSRF tokens, token claims."""
