"""Command-line entry point: thin commands over the same functions the API calls."""
