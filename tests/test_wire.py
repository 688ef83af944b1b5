"""The plain-data codec (course.grading.wire): what the grader accepts from the student's process."""
import io
import json
import struct
import time

import numpy as np
import pytest

from course.grading import wire
from course.grading.wire import Opaque, WireError, WireLimit, dumps, loads, roundtrip


def test_views_keep_their_layout():
    base = np.arange(24.0).reshape(4, 6)
    for sent in (base[::2, 1::2], base[::2, 1::-1]):
        view = roundtrip(sent)
        np.testing.assert_array_equal(view, sent)
        assert view.base is not None and view.strides == sent.strides


def test_generators_and_structured_arrays_arrive_as_they_were_sent():
    rng = roundtrip(np.random.default_rng(5))
    assert rng.integers(1000) == np.random.default_rng(5).integers(1000)
    S = np.zeros(2, dtype=[("p", float, (2,)), ("k", int)])
    assert roundtrip(S).dtype == S.dtype


def test_an_object_of_a_type_the_wire_does_not_know_arrives_opaque():
    class Always:
        def __eq__(self, other):
            return True

    assert isinstance(roundtrip(Always()), Opaque) and roundtrip(Always()) != roundtrip(Always())


def test_bytes_travel_beside_the_header():
    image = b"\x89PNG\r\n\x1a\n" + bytes(3 * 2**20)
    message = dumps({"images": [image]})
    (header,) = struct.unpack_from("<Q", message)
    assert header < 1000 and roundtrip({"images": [image]}) == {"images": [image]}


def _forged_view(view, **changes):
    """The message for ``view`` with its layout changed, as a student's process could send it."""
    message = dumps(view)
    (size,) = struct.unpack_from("<Q", message)
    header = json.loads(message[8:8 + size])
    header["tree"]["view"].update(changes)
    forged = json.dumps(header).encode()
    return struct.pack("<Q", len(forged)) + forged + message[8 + size:]


def test_a_zero_stride_view_standing_for_petabytes_is_refused():
    # eight bytes on the wire, 8 PB for a comparison to walk through
    message = _forged_view(np.arange(10.0)[2:5], shape=[10**9, 2**20], strides=[0, 0])
    with pytest.raises(WireLimit, match="elements"):
        loads(message)


def test_an_element_too_large_is_refused():
    # one element of a 1 MiB string, repeated by a zero stride
    string = wire._npy_bytes(np.empty(0, "U262144")).hex()
    message = _forged_view(np.array(["x", "y"])[:1], shape=[10**6], strides=[0], dtype=string)
    with pytest.raises(WireLimit, match="array element"):
        loads(message)
    with pytest.raises(WireLimit, match="array element"):
        roundtrip(np.zeros(2, dtype="V65537"))


def test_the_sender_refuses_what_the_receiver_would_refuse_before_copying_it():
    with pytest.raises(WireLimit, match="elements"):
        dumps(np.lib.stride_tricks.as_strided(np.zeros(1), (10**9, 2**20), (0, 0)))


def test_a_message_with_too_many_values_is_refused():
    with pytest.raises(WireLimit):
        roundtrip([[]] * (wire.MAX_NODES + 1))


def test_a_header_too_large_is_refused_before_it_is_parsed():
    header = b"[" + b"[]," * 2_000_000 + b"[]]"
    with pytest.raises(WireLimit, match="header"):
        loads(struct.pack("<Q", len(header)) + header)


def test_a_message_too_large_is_refused():
    with pytest.raises(WireLimit):
        loads(bytes(wire.MAX_MESSAGE_BYTES + 1))


def test_malformed_messages_are_errors_not_crashes():
    for data in (b"", b"\x05\x00\x00\x00\x00\x00\x00\x00{}", dumps(1)[:-1] + b"x"):
        with pytest.raises(WireError):
            loads(data)
    header = json.dumps({"tree": {"__pickle__": "x"}, "blobs": []}).encode()
    with pytest.raises(WireError, match="unknown tag"):
        loads(struct.pack("<Q", len(header)) + header)


def test_a_view_reaching_outside_its_buffer_is_refused():
    with pytest.raises(WireError, match="outside its buffer"):
        loads(_forged_view(np.arange(10.0)[2:5], offset=10**6))


def _message(tree, *blobs):
    """A message as a student's process could write it, encoder or not."""
    header = json.dumps({"tree": tree, "blobs": [len(b) for b in blobs]}).encode()
    return struct.pack("<Q", len(header)) + header + b"".join(blobs)


def _npy_header(shape, descr):
    """A ``.npy`` buffer's header alone: what the grader must judge before reading the array."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


ZERO_BYTE_DTYPES = ["|V0", [], [("a", "|V0")], [("a", "<f8", (0,))],
                    [("a", "<f8", (0,)), ("b", "|i1")]]   # one byte per record, and a part of none


@pytest.mark.parametrize("descr", ZERO_BYTE_DTYPES, ids=str)
def test_a_dtype_of_zero_bytes_is_refused_wherever_a_dtype_is_decoded(descr):
    # 10^12 elements that cost no byte, and that NumPy would walk one by one (the stand-in's copy)
    blob = _npy_header((10**12,), descr)
    dtype_hex = _npy_header((0,), descr).hex()
    messages = {"array": _message({"__array__": 0}, blob),
                "scalar": _message({"__scalar__": 0}, _npy_header((), descr)),
                "dtype": _message({"__dtype__": dtype_hex}),
                "view": _message({"__array__": 0, "view": {"offset": 0, "shape": [10**12], "strides": [0],
                                                           "dtype": dtype_hex}},
                                 wire._npy_bytes(np.zeros(8, np.uint8)))}
    for where, message in messages.items():
        start = time.perf_counter()
        with pytest.raises(WireLimit, match="zero bytes"):
            loads(message)
        assert time.perf_counter() - start < 0.1, where


def test_the_sender_refuses_a_dtype_of_zero_bytes():
    for value in (np.empty(120_000_000_000, "V0"), np.zeros(2, "V0")[0], np.dtype([]),
                  np.empty(3, [("a", float, (0,))])):
        with pytest.raises(WireLimit, match="zero bytes"):
            dumps(value)


def test_an_npy_header_is_judged_before_numpy_reads_the_array(monkeypatch):
    def read_array(*args, **kwargs):
        raise AssertionError("read_array called for an array the header already refuses")

    monkeypatch.setattr(np.lib.format, "read_array", read_array)
    # eight terabytes announced, sixteen bytes sent
    message = _message({"__array__": 0}, _npy_header((10**12,), "<f8") + bytes(16))
    with pytest.raises(WireLimit, match="elements"):
        loads(message)


def test_an_array_is_bounded_in_elements_as_well_as_bytes():
    assert roundtrip(np.zeros(wire.MAX_ARRAY_ELEMENTS, np.int8)).size == wire.MAX_ARRAY_ELEMENTS
    # 64 MiB of int8 is within the byte bound; as floats, as the grader's comparisons make them, 512 MiB
    zero_stride = np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), (2**26,), (0,))
    with pytest.raises(WireLimit, match="elements"):
        dumps(zero_stride)
    message = _forged_view(np.arange(10, dtype=np.int8)[2:5], shape=[2**26], strides=[0])
    with pytest.raises(WireLimit, match="elements"):
        loads(message)
    # a record counts each number it holds
    records = np.zeros(wire.MAX_ARRAY_ELEMENTS // 4 + 1, [("p", np.int8, (4,))])
    with pytest.raises(WireLimit, match="elements"):
        dumps(records)
    with pytest.raises(WireLimit, match="elements"):
        loads(_message({"__array__": 0}, _npy_header((records.size,), records.dtype.descr)))


@pytest.mark.filterwarnings("ignore:Stored array in format 3.0")
def test_field_names_beyond_latin_1_travel():
    records = np.zeros(3, [("Σ", float), ("k", np.int8)])
    assert roundtrip(records).dtype == records.dtype and roundtrip(records.dtype) == records.dtype
