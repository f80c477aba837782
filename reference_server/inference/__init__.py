"""Hosted-model stand-ins: the inference API (`/embed`, `/rerank`, `/models`) and the integrated
records API (`create-for-model`, records upsert and search) over small deterministic local models.

The models carry the documented names, dimensions, metrics, limits and parameters, but they are
feature-hashing embedders and a lexical-overlap reranker: their scores are not Pinecone's. They make
the documented rules hold (identical text embeds identically, `field_map` decides what is embedded,
`top_n` and `rank_fields` behave as documented) so clients and the suite can exercise the flow.
"""
