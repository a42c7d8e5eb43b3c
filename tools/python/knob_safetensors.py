"""Read and write safetensors files with NumPy alone (no torch, no `safetensors` package).

A safetensors file is an 8-byte little-endian header length n, n bytes of JSON, then the raw
little-endian data. The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin,
end]} (offsets into the data, which the tensors cover without gaps or overlaps), plus an
optional "__metadata__" object of string pairs. `knob grads --trace` stores the forward order
of its tensors there (docs/gradient_trace.md).

    tensors, metadata = read("trace.safetensors")
    write("mine.safetensors", {"logits": logits, "grad.logits": dlogits}, {"note": "mine"})
"""
import json
import struct

import numpy as np

# safetensors dtype names and the NumPy types they are stored as (always little-endian).
DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
MAX_HEADER = 100 * 1024 * 1024  # the reference implementation's limit


class SafetensorsError(ValueError):
    """A file that is not valid safetensors; the message names the file and the problem."""


def _fail(path, message):
    raise SafetensorsError(f"{path}: {message}")


def _check_entry(path, name, entry, data_size):
    """Validate one header entry and return (dtype, shape, begin, end)."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        _fail(path, f"tensor '{name}' needs exactly dtype, shape and data_offsets")
    dtype = DTYPES.get(entry["dtype"])
    if dtype is None:
        _fail(path, f"tensor '{name}' has unsupported dtype {entry['dtype']!r}")
    shape = entry["shape"]
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        _fail(path, f"tensor '{name}' has a bad shape {shape!r}")
    offsets = entry["data_offsets"]
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_size):
        _fail(path, f"tensor '{name}' has bad data_offsets {offsets!r} (data is {data_size} bytes)")
    count = 1
    for d in shape:
        count *= d
    if offsets[1] - offsets[0] != count * dtype.itemsize:
        _fail(path, f"tensor '{name}': shape {shape} of {entry['dtype']} needs "
                    f"{count * dtype.itemsize} bytes, data_offsets give {offsets[1] - offsets[0]}")
    return dtype, shape, offsets[0], offsets[1]


def read(path):
    """Read a safetensors file: returns ({name: ndarray}, {metadata key: value})."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        _fail(path, f"{len(blob)} bytes is too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > min(MAX_HEADER, len(blob) - 8):
        _fail(path, f"header length {n} exceeds the file ({len(blob)} bytes)")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        _fail(path, f"the header is not valid JSON: {e}")
    if not isinstance(header, dict):
        _fail(path, "the header must be a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        _fail(path, "__metadata__ must map strings to strings")
    data = memoryview(blob)[8 + n:]
    tensors, spans = {}, []
    for name, entry in header.items():
        dtype, shape, begin, end = _check_entry(path, name, entry, len(data))
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(tuple(shape)).copy()
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            _fail(path, f"tensor '{name}' starts at {begin}, expected {position} (gap or overlap)")
        position = end
    if position != len(data):
        _fail(path, f"{len(data) - position} bytes after the last tensor")
    return tensors, dict(metadata)


def write(path, tensors, metadata=None):
    """Write {name: array} (float64, float32, int64, ... ) and optional string metadata."""
    names = {np.dtype(v).name: k for k, v in DTYPES.items()}
    header, chunks, offset = {}, [], 0
    # Largest elements first, then by name: every tensor starts aligned to its element size.
    order = sorted(tensors, key=lambda n: (-np.asarray(tensors[n]).dtype.itemsize, n))
    for name in order:
        array = np.asarray(tensors[name])  # (ascontiguousarray would make a scalar 1-D)
        dtype = array.dtype.newbyteorder("<")
        if dtype.name not in names:
            raise SafetensorsError(f"{path}: tensor '{name}' has unsupported dtype {dtype}")
        raw = array.astype(dtype, copy=False).tobytes(order="C")
        header[name] = {"dtype": names[dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)
