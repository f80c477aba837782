"""pytest plugin of the conformance suite: options, markers, fixtures and hooks."""
