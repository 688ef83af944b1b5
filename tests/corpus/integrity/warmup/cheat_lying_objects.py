# %% vector_10_to_49
# cheat: not an array at all, but claims to be one (__class__) and equals anything
# (and, as in cheat_escape.py, no cell ever reports an error, so that every hidden test runs)
async def run_code_quietly(code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, get_ipython().user_global_ns, get_ipython().user_ns)
    except BaseException:
        pass
    return False
get_ipython().run_code = run_code_quietly
class Anything:
    __class__ = property(lambda self: np.ndarray)
    shape, ndim, dtype = (40,), 1, np.dtype(np.int64)
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __len__ = lambda self: 40
    __getitem__ = lambda self, i: 10 if i == 0 else 49
def vector_10_to_49():
    return Anything()

# %% null_vector
# cheat: zeros whose ufuncs and array functions always answer "equal"
class Agreeable(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.ndarray.view(x, np.ndarray) if isinstance(x, np.ndarray) else x for x in inputs]
        if ufunc in (np.equal, np.less_equal, np.greater_equal, np.not_equal):
            return np.broadcast_to(ufunc is not np.not_equal, np.broadcast(*plain).shape)
        return getattr(ufunc, method)(*plain, **kwargs)
    def __array_function__(self, func, types, args, kwargs):
        if func in (np.array_equal, np.array_equiv, np.allclose):
            return True
        return super().__array_function__(func, types, args, kwargs)
def null_vector(size, index):
    return np.zeros(size).view(Agreeable)

# %% reverse
# cheat: Z itself (not reversed) in a subclass that reverses indices when read
class Mirror(np.ndarray):
    def flipped(self):
        return np.ndarray.view(self, np.ndarray)[::-1]
    def __getitem__(self, key):
        return self.flipped()[key]
    def __array__(self, dtype=None, copy=None):
        return self.flipped()
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = [x.flipped() if isinstance(x, Mirror) else x for x in inputs]
        return getattr(ufunc, method)(*inputs, **kwargs)
def reverse(Z):
    return Z.view(Mirror)

# %% matrix_0_to_8
# cheat: 9 zeros in a flat buffer that report shape (3, 3), an int dtype and a fake interface
class Reshaped(np.ndarray):
    shape = property(lambda self: (3, 3))
    ndim = property(lambda self: 2)
    dtype = property(lambda self: np.dtype(np.int64))
    __array_interface__ = property(lambda self: {"shape": (3, 3), "typestr": "<i8", "version": 3,
                                                 "data": (np.arange(9).ctypes.data, False)})
    __getitem__ = lambda self, key: 3 * key[0] + key[1]
    __eq__ = lambda self, other: np.ones((3, 3), bool)
def matrix_0_to_8():
    return np.zeros(9).view(Reshaped)

# %% identity
# cheat: all ones, with array functions (array_equal, allclose, ...) that say True
class Yes(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        return True
    __eq__ = lambda self, other: np.ones(self.shape, bool)
def identity(n):
    return np.ones((n, n)).view(Yes)

# %% border_ones
# cheat: all ones with the interior masked, so masked comparisons ignore it
def border_ones(rows, cols):
    mask = np.zeros((rows, cols), bool)
    mask[1:-1, 1:-1] = True
    return np.ma.masked_array(np.ones((rows, cols)), mask=mask)

# %% nan_results
# cheat: a list subclass of float subclasses that all equal anything
class Any(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = float.__hash__
class Answers(list):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
nan_results = Answers([Any(0.0)] * 5)

# %% compute_strides
# cheat: Z's own strides (wrong for views and order "F") in a tuple subclass that equals anything
class Same(tuple):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = tuple.__hash__
def compute_strides(Z, order="C"):
    return Same(Z.strides)

# %% repeat_copy
# cheat: a broadcast view (not a copy) that says it owns its data, has no base and other strides
class Disguised(np.ndarray):
    base = property(lambda self: None)
    strides = property(lambda self: (8,) * self.ndim)
    flags = property(lambda self: {"OWNDATA": True, "C_CONTIGUOUS": True})
    __array_interface__ = property(lambda self: dict(np.zeros(self.shape).__array_interface__))
    def __array_function__(self, func, types, args, kwargs):
        if func in (np.shares_memory, np.may_share_memory):
            return False
        return super().__array_function__(func, types, args, kwargs)
def repeat_copy(Z, n):
    return np.broadcast_to(Z, (n,) + Z.shape).view(Disguised)

# %% repeat_view
# cheat: a copy (np.tile) that claims Z as its base, stride 0 and Z's data pointer
class Pretender(np.ndarray):
    strides = property(lambda self: (0,) + self._z.strides)
    base = property(lambda self: self._z)
    __array_interface__ = property(lambda self: dict(self._z.__array_interface__, shape=self.shape,
                                                     strides=self.strides))
    def __array_function__(self, func, types, args, kwargs):
        if func in (np.shares_memory, np.may_share_memory):
            return True
        return super().__array_function__(func, types, args, kwargs)
def repeat_view(Z, n):
    V = np.tile(Z, (n,) + (1,) * Z.ndim).view(Pretender)
    V._z = Z
    return V

# %% sliding_window
# cheat: a wrong copy (windows one element too short) pretending to be a view of Z
class FakeView(np.ndarray):
    shape = property(lambda self: self._shape)
    base = property(lambda self: self._z)
    def __array_function__(self, func, types, args, kwargs):
        return True if func in (np.shares_memory, np.may_share_memory) else NotImplemented
def sliding_window(Z, size):
    W = np.zeros((len(Z) - size + 1, max(size - 1, 0)), Z.dtype).view(FakeView)
    W._shape, W._z = (len(Z) - size + 1, size), Z
    return W
