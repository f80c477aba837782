"""An exact, in-memory implementation of the Pinecone HTTP API, used as the conformance suite's
ground truth and as a local stand-in for Pinecone."""

__version__ = "0.1.0"
