"""The hosted models served: names, kinds, limits and parameters as Pinecone documents them
(docs.pinecone.io "Embedding models" / "Reranking models", `GET /models/{name}` examples), and the
validation of the `parameters` a request passes to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reference_server.errors import bad_request


@dataclass(frozen=True)
class Parameter:
    """One `supported_parameters` entry: `one_of` (allowed values), `numeric_range` or `any`."""

    name: str
    kind: str
    value_type: str
    required: bool = False
    allowed: tuple[Any, ...] = ()
    default: Any = None
    low: float | None = None
    high: float | None = None

    def describe(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "parameter": self.name,
            "type": self.kind,
            "value_type": self.value_type,
            "required": self.required,
        }
        if self.allowed:
            body["allowed_values"] = list(self.allowed)
        if self.low is not None:
            body["min"], body["max"] = self.low, self.high
        if self.default is not None:
            body["default"] = self.default
        return body

    def check(self, value: Any, model: str) -> Any:
        """`value` if acceptable for this parameter, else 400."""
        kinds = {"string": (str,), "integer": (int,), "boolean": (bool,), "float": (int, float)}
        wanted = kinds.get(self.value_type, (object,))
        if (isinstance(value, bool) and self.value_type != "boolean") or not isinstance(
            value, wanted
        ):
            raise bad_request(
                f"Invalid parameter '{self.name}' for model '{model}': expected a {self.value_type}"
            )
        if self.kind == "one_of" and value not in self.allowed:
            shown = ", ".join(str(a) for a in self.allowed)
            raise bad_request(
                f"Invalid value for parameter '{self.name}' of model '{model}': {value!r}; "
                f"allowed values are {shown}"
            )
        low, high = self.low or 0.0, self.high or 0.0
        number: Any = value
        if self.kind == "numeric_range" and not low <= number <= high:
            raise bad_request(
                f"Invalid value for parameter '{self.name}' of model '{model}': {value}; "
                f"must be between {self.low} and {self.high}"
            )
        return value


@dataclass(frozen=True)
class Model:
    """One hosted model: `type` embed (dense or sparse) or rerank."""

    name: str
    type: str
    description: str
    provider: str
    max_sequence_length: int
    max_batch_size: int
    parameters: tuple[Parameter, ...]
    vector_type: str | None = None
    default_dimension: int | None = None
    dimensions: tuple[int, ...] = ()
    metrics: tuple[str, ...] = ()
    max_rank_fields: int | None = None  # rerankers: how many `rank_fields` they take
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The `ModelInfo` body."""
        body: dict[str, Any] = {
            "model": self.name,
            "short_description": self.description,
            "type": self.type,
            "modality": "text",
            "max_sequence_length": self.max_sequence_length,
            "max_batch_size": self.max_batch_size,
            "provider_name": self.provider,
            "supported_parameters": [p.describe() for p in self.parameters],
        }
        if self.vector_type is not None:
            body["vector_type"] = self.vector_type
        if self.default_dimension is not None:
            body["default_dimension"] = self.default_dimension
            body["supported_dimensions"] = list(self.dimensions)
        if self.metrics:
            body["supported_metrics"] = [_METRIC_NAMES[m] for m in self.metrics]
        return body

    def resolve(self, given: Any) -> dict[str, Any]:
        """The parameters of one request with defaults filled in; 400 for an unknown parameter, a
        missing required one or a value out of its domain."""
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise bad_request("Invalid request: 'parameters' must be an object")
        known = {p.name: p for p in self.parameters}
        for name in given:
            if name not in known:
                raise bad_request(f"Model '{self.name}' does not support parameter '{name}'")
        out: dict[str, Any] = {}
        for p in self.parameters:
            if p.name in given and given[p.name] is not None:
                out[p.name] = p.check(given[p.name], self.name)
            elif p.required:
                raise bad_request(f"Model '{self.name}' requires parameter '{p.name}'")
            elif p.default is not None:
                out[p.name] = p.default
        return out

    def dimension_for(self, parameters: dict[str, Any]) -> int | None:
        """The width of this embedder's vectors under `parameters` (None for sparse)."""
        if self.vector_type != "dense":
            return None
        return int(parameters.get("dimension") or self.default_dimension or 1)


_METRIC_NAMES = {"cosine": "Cosine", "euclidean": "Euclidean", "dotproduct": "DotProduct"}
_INPUT_TYPE = Parameter("input_type", "one_of", "string", True, ("query", "passage"))
_TRUNCATE = Parameter("truncate", "one_of", "string", False, ("END", "NONE"), "END")
_LLAMA_DIMENSIONS = (384, 512, 768, 1024, 2048)

MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model(
            "multilingual-e5-large",
            "embed",
            "A multilingual dense embedding model (local stand-in: feature hashing).",
            "Microsoft",
            507,
            96,
            (_INPUT_TYPE, _TRUNCATE),
            vector_type="dense",
            default_dimension=1024,
            dimensions=(1024,),
            metrics=("cosine", "euclidean"),
        ),
        Model(
            "llama-text-embed-v2",
            "embed",
            "A dense embedding model of several widths (local stand-in: feature hashing).",
            "NVIDIA",
            2048,
            96,
            (
                _INPUT_TYPE,
                Parameter("truncate", "one_of", "string", False, ("END", "NONE", "START"), "END"),
                Parameter("dimension", "one_of", "integer", False, _LLAMA_DIMENSIONS, 1024),
            ),
            vector_type="dense",
            default_dimension=1024,
            dimensions=_LLAMA_DIMENSIONS,
            metrics=("cosine", "dotproduct"),
        ),
        Model(
            "pinecone-sparse-english-v0",
            "embed",
            "A sparse English embedding model (local stand-in: hashed term weights).",
            "Pinecone",
            512,
            96,
            (
                _INPUT_TYPE,
                _TRUNCATE,
                Parameter("return_tokens", "any", "boolean", False, (), False),
                Parameter("max_tokens_per_sequence", "one_of", "integer", False, (512, 2048), 512),
            ),
            vector_type="sparse",
            metrics=("dotproduct",),
        ),
        Model(
            "bge-reranker-v2-m3",
            "rerank",
            "A multilingual reranking model (local stand-in: word overlap).",
            "BAAI",
            1024,
            100,
            (Parameter("truncate", "one_of", "string", False, ("END", "NONE"), "NONE"),),
            max_rank_fields=1,
        ),
        Model(
            "cohere-rerank-3.5",
            "rerank",
            "A reranking model taking several rank fields (local stand-in: word overlap).",
            "Cohere",
            40000,
            200,
            (
                Parameter(
                    "max_chunks_per_doc", "numeric_range", "integer", False, (), 3072, 1, 3072
                ),
            ),
        ),
        Model(
            "pinecone-rerank-v0",
            "rerank",
            "A reranking model (local stand-in: word overlap).",
            "Pinecone",
            512,
            100,
            (Parameter("truncate", "one_of", "string", False, ("END", "NONE"), "END"),),
            max_rank_fields=1,
        ),
    )
}


def lookup(name: Any, kind: str) -> Model:
    """The model named `name` of type `kind` (embed or rerank); 400 otherwise."""
    if not isinstance(name, str) or not name:
        raise bad_request("Invalid request: 'model' is required and must be a string")
    model = MODELS.get(name)
    if model is None or model.type != kind:
        raise bad_request(f"Model '{name}' not found or not supported for {kind}")
    return model
