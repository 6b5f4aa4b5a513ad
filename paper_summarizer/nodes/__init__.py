"""One module per graph node; `route` is the pure function behind the conditional edge."""
