"""The plain-data codec (course.grading.wire): what the grader accepts from the student's process."""
import json
import struct

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
