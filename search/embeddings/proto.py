"""Just enough of the ONNX file format (protocol buffers, ``onnx.proto``) to write a graph.

The graphs are written once, at install time; onnxruntime reads them. Writing the few
messages needed here (model, graph, node, attribute, tensor, value info) takes less than
the ``onnx`` package's 26 MB. Fields are written in field-number order, as protobuf's own
serializer does, so the same graph always gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

import numpy as np

# TensorProto.DataType
FLOAT, UINT8, INT32, INT64 = 1, 2, 6, 7
_DATA_TYPES = {
    np.dtype("float32"): FLOAT,
    np.dtype("uint8"): UINT8,
    np.dtype("int32"): INT32,
    np.dtype("int64"): INT64,
}
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_INTS = 1, 2, 7


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 as two's complement, as protobuf does
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _varint(field << 3 | 2) + _varint(len(value)) + value


def _float(field: int, value: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", value)


def tensor(name: str, array: np.ndarray) -> bytes:
    """A TensorProto holding the array's bytes (little-endian, C order)."""
    array = np.ascontiguousarray(array)
    dtype = array.dtype.newbyteorder("=")
    data = array.astype(dtype.newbyteorder("<"), copy=False).tobytes()
    dims = b"".join(_int(1, d) for d in array.shape)
    return dims + _int(2, _DATA_TYPES[dtype]) + _bytes(8, name) + _bytes(9, data)


def external_tensor(
    name: str, data_type: int, shape: Sequence[int], location: str, offset: int, length: int
) -> bytes:
    """A TensorProto whose bytes lie in another file, beside the graph."""
    dims = b"".join(_int(1, d) for d in shape)
    entries = b"".join(
        _bytes(13, _bytes(1, key) + _bytes(2, str(value)))
        for key, value in (("location", location), ("offset", offset), ("length", length))
    )
    return dims + _int(2, data_type) + _bytes(8, name) + entries + _int(14, 1)


def _attribute(name: str, value) -> bytes:
    if isinstance(value, float):
        return _bytes(1, name) + _float(2, value) + _int(20, _ATTR_FLOAT)
    if isinstance(value, int):
        return _bytes(1, name) + _int(3, value) + _int(20, _ATTR_INT)
    ints = b"".join(_int(8, int(v)) for v in value)
    return _bytes(1, name) + ints + _int(20, _ATTR_INTS)


def node(
    op: str, inputs: Iterable[str], outputs: Iterable[str], name: str, domain: str = "", **attrs
) -> bytes:
    """A NodeProto; attributes are ints, floats or lists of ints (sorted by name)."""
    body = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    body += _bytes(3, name) + _bytes(4, op)
    body += b"".join(_bytes(5, _attribute(k, attrs[k])) for k in sorted(attrs))
    if domain:
        body += _bytes(7, domain)
    return body


def value_info(name: str, elem_type: int, shape: Sequence[int | str]) -> bytes:
    """A ValueInfoProto of a tensor; a dimension is a size or a symbolic name."""
    dims = b"".join(_bytes(1, _bytes(2, d) if isinstance(d, str) else _int(1, d)) for d in shape)
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(
    nodes: Sequence[bytes],
    initializers: Sequence[bytes],
    inputs: Sequence[bytes],
    outputs: Sequence[bytes],
    opsets: dict[str, int],
    name: str = "graph",
    ir_version: int = 8,
    producer: str = "portico",
) -> bytes:
    """A serialized ModelProto."""
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, name)
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)
    opset_ids = b"".join(
        _bytes(8, _bytes(1, domain) + _int(2, version)) for domain, version in opsets.items()
    )
    return _int(1, ir_version) + _bytes(2, producer) + _bytes(7, graph) + opset_ids
