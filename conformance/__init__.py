"""Conformance test suite for Pinecone-compatible vector database APIs."""

__version__ = "0.1.0"
