"""The pytest plugin of the conformance suite (the `pytest11` entry point).

Loaded in every pytest run of an environment where the package is installed, so it stays inert
unless a test asks for a suite fixture or carries a `behavior` marker.
"""

pytest_plugins = ["conformance.plugin.hooks"]
