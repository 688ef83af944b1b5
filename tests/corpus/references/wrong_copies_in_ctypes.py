# Right values, and the copy of v per row in memory allocated through ctypes, where
# tracemalloc does not look: every measured call is watched, and ctypes has no place in it.

# %% add_row_vector
# wrong: a (rows, columns) copy of v in a ctypes buffer, then added to x
# feedback: could not be measured
import ctypes


def add_row_vector(x, v):
    dtype = np.result_type(x, v)
    buffer = ctypes.create_string_buffer(max(x.size, 1) * dtype.itemsize)
    copies = np.frombuffer(buffer, dtype=dtype)[:x.size].reshape(x.shape)
    copies[:] = v
    return x + copies
