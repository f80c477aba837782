"""The gRPC transport of the data plane: Pinecone's `VectorService`, spoken with the messages of
`pinecone_messages` (the `grpc` extra).

The suite's tests build REST requests (a method, a path, a camelCase JSON body or query
parameters); the gRPC client turns each into the RPC its HTTP binding names and answers with a
`WireResponse` shaped like the REST reply, so every test runs unchanged over either wire form.

- `errors`: `NotExpressible` (a request with no gRPC form) and `missing_reason` (the extra);
- `bindings`: the HTTP bindings of `VectorService`, from a REST method and path to an RPC;
- `convert`: JSON bodies and query parameters to messages, messages to REST JSON;
- `status`: the documented gRPC code to HTTP status mapping and the error body;
- `client`: `GrpcDataPlaneClient`, a `DataPlaneClient` over one gRPC channel per target.

Only `errors` and `bindings` import without grpcio and protobuf installed.
"""

from conformance.target.grpc.errors import (
    NOT_EXPRESSIBLE,
    GrpcUnavailable,
    NotExpressible,
    missing_reason,
)

__all__ = ["NOT_EXPRESSIBLE", "GrpcUnavailable", "NotExpressible", "missing_reason"]
