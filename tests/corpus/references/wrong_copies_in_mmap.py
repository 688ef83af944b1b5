# Right values, and the copy of v per row made where tracemalloc does not look: in an
# anonymous memory map. The memory test reads what the process holds (issue 25, class 3).

# %% add_row_vector
# wrong: a (rows, columns) copy of v in an mmap, then added to x
# feedback: counting memory that NumPy does not allocate
import mmap


def add_row_vector(x, v):
    buffer = mmap.mmap(-1, max(x.shape[0] * x.shape[1], 1) * np.result_type(x, v).itemsize)
    copies = np.frombuffer(buffer, dtype=np.result_type(x, v))[:x.size].reshape(x.shape)
    copies[:] = v
    return x + copies
