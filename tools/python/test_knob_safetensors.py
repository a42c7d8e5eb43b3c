"""Tests of knob_safetensors.py: round trips, and files that must be refused. Given a file
written by `knob grads --trace` (first argument), also reads it and checks its metadata.

    python3 tools/python/test_knob_safetensors.py [knob_trace.safetensors]
"""
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import knob_safetensors as st  # noqa: E402

failures = []


def check(condition, what):
    print(("ok: " if condition else "FAILED: ") + what)
    if not condition:
        failures.append(what)


def refused(path, blob, words):
    with open(path, "wb") as f:
        f.write(blob)
    try:
        st.read(path)
    except st.SafetensorsError as e:
        return words in str(e) and path in str(e)
    return False


def raw(header_json, data=b""):
    text = header_json.encode()
    return struct.pack("<Q", len(text)) + text + data


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "a.safetensors")
        tensors = {"f64": np.arange(6, dtype=np.float64).reshape(2, 3) / 7,
                   "f32": np.array([1.5, -2.0], dtype=np.float32),
                   "i64": np.array([2 ** 53 + 1, -3], dtype=np.int64),
                   "scalar": np.array(3.25), "empty": np.zeros((0, 4))}
        st.write(path, tensors, {"trace_order": "a,b"})
        back, meta = st.read(path)
        check(set(back) == set(tensors), "every tensor comes back")
        check(all(back[n].dtype == tensors[n].dtype and back[n].shape == tensors[n].shape
                  and np.array_equal(back[n], tensors[n]) for n in tensors),
              "dtypes, shapes and values survive exactly (int64 beyond 2^53 too)")
        check(meta == {"trace_order": "a,b"}, "metadata survives")
        header_len = struct.unpack("<Q", open(path, "rb").read(8))[0]
        check(header_len % 8 == 0, "the header is padded to a multiple of 8")

        bad = os.path.join(tmp, "bad.safetensors")
        entry = '{"t":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}'
        check(refused(bad, b"\x01\x00", "too short"), "a truncated length is refused")
        check(refused(bad, raw(entry, b"\x00" * 8), "data_offsets"), "missing data is refused")
        check(refused(bad, raw(entry.replace("16]", "8]"), b"\x00" * 8), "needs 16 bytes"),
              "offsets that disagree with the shape are refused")
        check(refused(bad, raw(entry.replace("F64", "C64"), b"\x00" * 16), "unsupported"),
              "an unknown dtype is refused")
        check(refused(bad, struct.pack("<Q", 1 << 40) + b"{}", "exceeds"),
              "a header length beyond the file is refused")
        two = ('{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},'
               '"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}')
        check(refused(bad, raw(two, b"\x00" * 8), "gap or overlap"), "overlapping tensors")
        check(refused(bad, raw(entry, b"\x00" * 24), "after the last tensor"), "trailing bytes")

    if len(sys.argv) > 1:  # a file written by knob
        tensors, meta = st.read(sys.argv[1])
        order = meta.get("trace_order", "").split(",")
        check(len(order) > 3 and order[-2:] == ["logits", "loss"],
              f"knob's trace lists {len(order)} activations in forward order, logits and loss last")
        check(all(n in tensors and "grad." + n in tensors for n in order),
              "every traced activation and its gradient is in knob's file")
        check(float(tensors["grad.loss"]) == 1.0, "grad.loss is 1")
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")


if __name__ == "__main__":
    main()
