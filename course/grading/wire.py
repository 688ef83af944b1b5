"""Plain-data codec between the student's process and the grader.

Everything that crosses the boundary is JSON plus raw ``.npy`` buffers read
with ``allow_pickle=False``: decoding can build only None, bool, int, float,
complex, str, bytes, tuple, list, dict, slices, NumPy arrays and scalars,
NumPy random Generators, and :class:`Opaque` placeholders. A grader's
:class:`GraderObject` (a stand-in offered to the student's code) is sent as a
reference only, and only the student's process turns it into something live. No object of the
student's ever reaches the grader, so a lying ``__eq__`` or an ndarray
subclass has nothing to lie with: a subclass is sent as its raw ndarray data.

Arrays keep their memory layout (offset and strides into their base buffer),
so a non-contiguous view sent to the student's process arrives as a view.

Decoding is bounded, because the grader decodes what the student's process
sends: the message, its JSON header, the number of nodes and blobs, and every
array's *logical* size (a zero-stride view of a few bytes can stand for
terabytes that a comparison would walk through), element count and item size
have limits (:class:`WireLimit` says which was passed). A dtype of zero bytes
(``V0``, an empty record or subarray) is refused wherever a dtype is decoded:
its arrays are free in bytes whatever their length, yet NumPy walks each of
their elements. A ``.npy`` buffer's header is checked before NumPy allocates
or reads the array it describes.

Messages travel between the processes as frames (:func:`write_frame`,
:func:`read_frame`): an 8-byte little-endian length, then the message.
"""
import io
import json
import os
import select
import struct
import time

import numpy as np

MAX_MESSAGE_BYTES = 64 * 2**20     # one message, header and arrays
MAX_HEADER_BYTES = 4 * 2**20       # its JSON part
MAX_NODES = 200_000                # values in one message (list items, dict entries, ...)
MAX_BLOBS = 10_000                 # arrays and scalars in one message
MAX_ARRAY_BYTES = 64 * 2**20       # an array's logical size: elements x item size, views included
# An array's elements, views included (a record counts each number in it): as many float64 as
# MAX_ARRAY_BYTES holds, so that the grader's work per element (a comparison, a conversion to
# float) is bounded whatever the item size, and a zero-byte dtype could not pass as free.
MAX_ARRAY_ELEMENTS = MAX_ARRAY_BYTES // 8
MAX_ITEM_BYTES = 2**16             # one element (a long string dtype, a structured record)
# What a stand-in (course.grading.stand_in) keeps of the calls made on it, in all: a hidden test
# needs a few thousand; without a cap, a student's loop of calls would fill the grader's memory.
MAX_STAND_IN_CALLS = 10_000
MAX_STAND_IN_BYTES = 16 * 2**20
_MAX_DEPTH = 40
_REPR_LIMIT = 200


class WireError(ValueError):
    """A message that is not valid plain data."""


class WireLimit(WireError):
    """A message that is valid but larger than the grader accepts."""


class Opaque:
    """Stands for an object that is not plain data (a student's own class, say).

    It equals nothing but itself, so it can never pass a comparison.
    """

    __slots__ = ("type_name", "text")

    def __init__(self, type_name, text):
        self.type_name = str(type_name)
        self.text = str(text)

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<{self.type_name} object: {self.text}>"


class GraderObject:
    """Base of the grader's objects that the student's code may use by reference.

    Only ``_grader_id``, ``_type_label`` and the names in ``_methods`` cross
    the boundary; the object itself, and its code, stay in the grader.
    """

    _grader_id = None
    _type_label = "object"
    _methods = ()


class StudentObjectHandle:
    """Base of the grader's handles on objects of the student's process: such a handle
    goes back to the student's process as its reference, and only there is it resolved."""

    __slots__ = ()

    def _wire_reference(self):
        raise NotImplementedError


# The class's own entries, read through ``type``'s descriptors: ``cls.__qualname__`` would run a
# property of a student's metaclass, and a str subclass would run its own comparisons.
_TYPE_MODULE, _TYPE_QUALNAME = type.__dict__["__module__"].__get__, type.__dict__["__qualname__"].__get__


def type_name(obj):
    """The module-qualified name of ``obj``'s class, read without running any code of the student's
    (no metaclass property, no ``__class__``, no method of a str subclass): a value is described
    after the measured window of a call, where no student code may run."""
    cls = type(obj)
    try:
        module, name = _TYPE_MODULE(cls), _TYPE_QUALNAME(cls)
    except Exception:  # noqa: BLE001 - a class without them
        return "?"
    module = module if type(module) is str else ""
    name = name if type(name) is str else "?"
    return name if module in ("builtins", "") else f"{module}.{name}"


def _is(value, classes):
    """``isinstance`` by the value's type alone: ``isinstance`` falls back on ``value.__class__``,
    which a student's class may make a property that runs code."""
    return issubclass(type(value), classes)


def _safe_repr(obj):
    try:
        text = object.__repr__(obj)
    except BaseException:  # noqa: BLE001 - anything a student's object may raise
        text = "?"
    return text[:_REPR_LIMIT]


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npy_header(data, check):
    """(shape, fortran order, dtype) of a ``.npy`` buffer, checked with ``check(shape, dtype)``
    before anything of the array is allocated or read (``read_array`` would first make an
    array of the length the header claims)."""
    buffer = io.BytesIO(data)
    version = np.lib.format.read_magic(buffer)
    if version == (3, 0):
        # Version 3.0 is 2.0 with a UTF-8 header, whose only non-Latin-1 characters are in
        # field names: as escapes, the 2.0 reader reads the same header.
        (length,) = struct.unpack("<I", buffer.read(4))
        text = buffer.read(length).decode("utf-8").encode("latin-1", "backslashreplace")
        buffer = io.BytesIO(struct.pack("<I", len(text)) + text)
        version = (2, 0)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read_header is None:
        raise WireError(f"unsupported .npy version {version}")
    shape, fortran, dtype = read_header(buffer)
    if any(size < 0 for size in shape):
        raise WireError("an array of negative length")
    check(shape, dtype)
    return shape, fortran, dtype


def _read_npy(data, check=None):
    _npy_header(data, check or _check_size)
    array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    # An owning, writeable array, as the sender's was.
    return array if array.flags.owndata and array.flags.writeable else array.copy(order="K")


def _read_dtype(data):
    """The dtype of a ``.npy`` buffer, from its header alone."""
    return _npy_header(data, _check_size)[2]


# The C-level descriptors: a subclass may override ``base`` or the interface.
_BASE = np.ndarray.base.__get__
_INTERFACE = np.ndarray.__array_interface__.__get__
_FLAGS = np.ndarray.flags.__get__


def _owner(array):
    """The array at the end of ``array.base`` that owns the memory, if any."""
    base = array
    while isinstance(_BASE(base), np.ndarray):
        base = _BASE(base)
    return base if _FLAGS(base).owndata else None


def data_address(array):
    return _INTERFACE(array)["data"][0]


class _Encoder:
    def __init__(self):
        self.blobs = []
        self._owners = {}

    def blob(self, data):
        self.blobs.append(data)
        return len(self.blobs) - 1

    def array(self, value):
        array = np.ndarray.view(value, np.ndarray)
        _check_size(array.shape, array.dtype)  # what the other side would refuse, refused before copying
        if array.dtype.hasobject:
            return {"__opaque__": "object array", "repr": f"array of dtype {array.dtype}"}
        node = {"__array__": None, "subclass": None if type(value) is np.ndarray else type_name(value)}
        owner = _owner(value)
        if owner is not None and owner is not value and not owner.dtype.hasobject:
            # Keep the view: send the owner's bytes once, and where the view sits in it.
            start = data_address(array) - data_address(owner)
            key = id(owner)
            if key not in self._owners:
                raw = np.ndarray.view(owner, np.ndarray).reshape(-1, order="A").view(np.uint8)
                self._owners[key] = self.blob(_npy_bytes(np.ascontiguousarray(raw)))
            node.update(__array__=self._owners[key], view={
                "offset": int(start), "shape": list(array.shape),
                "strides": list(array.strides), "dtype": _npy_bytes(np.empty(0, array.dtype)).hex(),
                "writeable": bool(array.flags.writeable)})
            return node
        node["__array__"] = self.blob(_npy_bytes(array))
        node["fortran"] = bool(array.flags.f_contiguous and not array.flags.c_contiguous)
        node["writeable"] = bool(array.flags.writeable)
        return node

    def encode(self, value, depth=0):
        if depth > _MAX_DEPTH:
            return {"__opaque__": "nested too deeply", "repr": "..."}
        if value is None or type(value) in (bool, str):
            return value
        if type(value) is int:
            return value if abs(value) < 2**63 else {"__int__": str(value)}
        if type(value) is float:
            return {"__float__": repr(value)}
        if type(value) is complex:
            return {"__complex__": [repr(value.real), repr(value.imag)]}
        if type(value) is bytes:
            return {"__bytes__": self.blob(value)}  # raw, beside the header (figures are bytes)
        if type(value) in (list, tuple):
            items = [self.encode(item, depth + 1) for item in value]
            return items if type(value) is list else {"__tuple__": items}
        if type(value) is dict:
            return {"__dict__": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                 for k, v in value.items()]}
        if type(value) is slice:
            return {"__slice__": [self.encode(p, depth + 1)
                                  for p in (value.start, value.stop, value.step)]}
        if _is(value, np.ndarray):
            return self.array(value)
        if _is(value, np.generic) and not _is(value, np.object_):
            _check_size((), value.dtype)
            return {"__scalar__": self.blob(_npy_bytes(np.asarray(np.ndarray.view(
                np.array(value), np.ndarray))))}
        if type(value) is np.random.Generator:
            bit_generator = value.bit_generator
            return {"__rng__": type(bit_generator).__name__,
                    "state": self.encode(bit_generator.state, depth + 1)}
        if _is(value, np.dtype):
            _check_size((0,), value)
            return {"__dtype__": _npy_bytes(np.empty(0, value)).hex()}
        if _is(value, StudentObjectHandle):
            return {"__student_object__": self.encode(value._wire_reference(), depth + 1)}
        if _is(value, GraderObject):
            return {"__grader_object__": int(value._grader_id), "type": str(value._type_label),
                    "methods": [str(m) for m in value._methods]}
        return {"__opaque__": type_name(value), "repr": _safe_repr(value)}


def _float(text):
    return float(text)


class _Decoder:
    def __init__(self, blobs, grader_objects=None, student_objects=None):
        self.blobs = blobs
        self._owners = {}
        self._nodes = 0
        self.grader_objects = grader_objects
        self.student_objects = student_objects

    def decode(self, node, depth=0):
        if depth > _MAX_DEPTH + 2:
            raise WireError("message nested too deeply")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise WireLimit(f"more than {MAX_NODES:,} values in one message")
        if node is None or isinstance(node, (bool, str)):
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, list):
            return [self.decode(item, depth + 1) for item in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise WireError(f"unexpected node {type(node).__name__}")
        tag = next(iter(node))
        if tag == "__int__":
            return int(node[tag])
        if tag == "__float__":
            return _float(node[tag])
        if tag == "__complex__":
            return complex(_float(node[tag][0]), _float(node[tag][1]))
        if tag == "__bytes__":
            return self.blob(node[tag])
        if tag == "__tuple__":
            return tuple(self.decode(item, depth + 1) for item in node[tag])
        if tag == "__dict__":
            return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in node[tag]}
        if tag == "__slice__":
            return slice(*(self.decode(p, depth + 1) for p in node[tag]))
        if tag == "__array__":
            return self.array(node)
        if tag == "__scalar__":
            return _read_npy(self.blob(node[tag]))[()]
        if tag == "__rng__":
            bit_generator_class = getattr(np.random, str(node[tag]), None)
            if not (isinstance(bit_generator_class, type)
                    and issubclass(bit_generator_class, np.random.BitGenerator)):
                raise WireError(f"unknown bit generator {node[tag]!r}")
            bit_generator = bit_generator_class()
            bit_generator.state = self.decode(node["state"], depth + 1)
            return np.random.Generator(bit_generator)
        if tag == "__dtype__":
            return _read_dtype(bytes.fromhex(node[tag]))
        if tag == "__opaque__":
            return Opaque(node[tag], node.get("repr", ""))
        if tag == "__student_object__":
            if self.student_objects is None:  # the grader never resolves the student's references
                return Opaque("object", "a reference to an object of the student's process")
            return self.student_objects(self.decode(node[tag], depth + 1))
        if tag == "__grader_object__":
            if not isinstance(node[tag], int) or isinstance(node[tag], bool):
                raise WireError("bad grader object reference")
            label, methods = str(node.get("type", "object")), node.get("methods", [])
            if self.grader_objects is None:  # only the student's process makes them live
                return Opaque(label, "a grader's object")
            return self.grader_objects(node[tag], label, [str(m) for m in methods])
        raise WireError(f"unknown tag {tag!r}")

    def blob(self, index):
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise WireError("bad blob reference")
        return self.blobs[index]

    def array(self, node):
        index = node["__array__"]
        view = node.get("view")
        if view is None:
            array = _read_npy(self.blob(index))
            if node.get("fortran"):
                array = np.asfortranarray(array)
            array.flags.writeable = bool(node.get("writeable", True))
            return array
        if index not in self._owners:
            self._owners[index] = _read_npy(self.blob(index), _check_buffer)
        buffer = self._owners[index]
        dtype = _read_dtype(bytes.fromhex(view["dtype"]))
        shape, strides, offset = tuple(view["shape"]), tuple(view["strides"]), int(view["offset"])
        _check_size(shape, dtype)
        # Refuse a layout that would reach outside the buffer.
        extent = [offset]
        for size, stride in zip(shape, strides):
            if size == 0:
                extent = [offset, offset]
                break
            extent.append(extent[-1] + (size - 1) * stride if stride > 0 else extent[-1])
        lowest = offset + sum((size - 1) * stride for size, stride in zip(shape, strides)
                              if stride < 0 and size > 0)
        if 0 not in shape and (lowest < 0 or extent[-1] + dtype.itemsize > buffer.nbytes):
            raise WireError("array view outside its buffer")
        array = np.ndarray(shape, dtype, buffer=buffer, offset=offset, strides=strides)
        array.flags.writeable = bool(view.get("writeable", True))
        return array


def _numbers_per_item(dtype, depth=0):
    """How many numbers (or strings) one element of ``dtype`` holds: NumPy walks each of
    them. Refuses a dtype of which any part is zero bytes."""
    if depth > _MAX_DEPTH:
        raise WireError("a dtype nested too deeply")
    if dtype.itemsize == 0:
        raise WireLimit(f"a dtype of zero bytes ({str(dtype)[:_REPR_LIMIT]})")
    if dtype.subdtype is not None:
        base, shape = dtype.subdtype
        count = 1
        for size in shape:
            count *= int(size)
        return count * _numbers_per_item(base, depth + 1)
    if dtype.names is not None:
        return sum(_numbers_per_item(dtype.fields[name][0], depth + 1) for name in dtype.names) or 1
    return 1


def _check_size(shape, dtype):
    if dtype.itemsize > MAX_ITEM_BYTES:
        raise WireLimit(f"an array element of {dtype.itemsize:,} bytes (at most {MAX_ITEM_BYTES:,})")
    per_item = _numbers_per_item(dtype)
    elements = 1
    for size in shape:
        elements *= max(int(size), 0)
    if elements * dtype.itemsize > MAX_ARRAY_BYTES:
        raise WireLimit(f"an array of {elements:,} elements of {dtype.itemsize} bytes"
                        f" (at most {MAX_ARRAY_BYTES // 2**20} MiB)")
    numbers = elements * per_item
    if numbers > MAX_ARRAY_ELEMENTS:
        raise WireLimit(f"an array of {numbers:,} elements (at most {MAX_ARRAY_ELEMENTS:,})")


def _check_buffer(shape, dtype):
    """The memory that views are sent in: raw bytes, bounded by the message's size."""
    if dtype != np.uint8 or len(shape) != 1:
        raise WireError("an array view's buffer that is not raw bytes")


def dumps(value):
    """Encode plain data as bytes: header length, JSON header, then the blobs."""
    encoder = _Encoder()
    tree = encoder.encode(value)
    header = json.dumps({"tree": tree, "blobs": [len(b) for b in encoder.blobs]},
                        allow_nan=False, separators=(",", ":")).encode()
    return b"".join([struct.pack("<Q", len(header)), header, *encoder.blobs])


def loads(data, grader_objects=None, student_objects=None):
    """Decode bytes made by :func:`dumps` into plain data.

    In the student's process, ``grader_objects(id, type label, method names)``
    makes what stands for a :class:`GraderObject`, and
    ``student_objects(reference)`` finds the object a
    :class:`StudentObjectHandle` refers to. Without them (in the grader) both
    kinds of reference decode as :class:`Opaque` placeholders.
    """
    if len(data) > MAX_MESSAGE_BYTES:
        raise WireLimit(f"a message of more than {MAX_MESSAGE_BYTES // 2**20} MiB")
    try:
        (size,) = struct.unpack_from("<Q", data)
        if size > MAX_HEADER_BYTES:
            raise WireLimit(f"a message header of more than {MAX_HEADER_BYTES // 2**20} MiB")
        header = json.loads(data[8:8 + size])
        if len(header["blobs"]) > MAX_BLOBS:
            raise WireLimit(f"more than {MAX_BLOBS:,} arrays in one message")
        blobs, position = [], 8 + size
        for length in header["blobs"]:
            blobs.append(bytes(data[position:position + length]))
            position += length
        if position != len(data):
            raise WireError("message length mismatch")
        return _Decoder(blobs, grader_objects, student_objects).decode(header["tree"])
    except WireError:
        raise
    except Exception as error:  # noqa: BLE001 - any malformed input
        raise WireError(f"malformed message: {error}") from None


class FrameTimeout(TimeoutError):
    """A frame that did not arrive whole before its deadline."""


class FrameTooLarge(WireLimit):
    """A frame that announces more than the reader accepts; it is not read at all."""


def write_frame(fd, payload):
    """Send one message (bytes) as a frame on the file descriptor ``fd``."""
    view = memoryview(struct.pack("<Q", len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd, *, deadline=None, max_bytes=None):
    """One frame's message from ``fd``, or None at end of file.

    ``deadline`` (a ``time.monotonic()`` value) covers the whole frame, so a
    sender that stops mid-frame cannot stall the reader (:class:`FrameTimeout`);
    a frame longer than ``max_bytes`` raises :class:`FrameTooLarge` unread.
    """
    header = _read_exactly(fd, 8, deadline)
    if header is None:
        return None
    (size,) = struct.unpack("<Q", header)
    if max_bytes is not None and size > max_bytes:
        raise FrameTooLarge(f"a frame of more than {max_bytes // 2**20} MiB")
    return _read_exactly(fd, size, deadline)


def _read_exactly(fd, size, deadline):
    chunks, left = [], size
    while left:
        if deadline is not None:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise FrameTimeout()
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def roundtrip(value):
    """What the grader would receive if ``value`` came from the student's process."""
    return loads(dumps(value))
