"""What each page does with the API; ``session`` holds the per-request visit."""
