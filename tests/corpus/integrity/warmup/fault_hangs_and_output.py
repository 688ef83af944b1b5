# %% random_walk
# fault: a top-level infinite loop in the answer cell
while True:
    pass

# %% vector_10_to_49
# fault: the function never returns
def vector_10_to_49():
    while True:
        pass

# %% reverse
# fault: the answer cell sleeps far beyond the cell time limit
import time
time.sleep(60)
def reverse(Z):
    return Z[::-1]

# %% identity
# fault: the function asks for input
def identity(n):
    return np.eye(int(input("n? ")))

# %% negate_between
# fault: the function prints 300,000 lines, then asks for input
def negate_between(Z, low, high):
    for i in range(300_000):
        print(i)
    if input("really? ") == "yes":
        Z[(Z > low) & (Z < high)] *= -1

# %% nan_results
# fault: the cell prints 300,000 lines, closes stdout, stderr and stdin, and sets no value
import os, sys
for i in range(300_000):
    print("line", i)
for stream in (sys.stdout, sys.stderr, sys.stdin, sys.__stdout__, sys.__stderr__, sys.__stdin__):
    stream.close()
for fd in (0, 1, 2):
    os.close(fd)

# %% repeat_copy
# fault: the function allocates 10 GiB
def repeat_copy(Z, n):
    big = np.ones(10 * 2**30 // 8)
    return np.tile(Z, (n,) + (1,) * Z.ndim) + big[0] - 1

# %% sliding_window
# fault: the function holds the GIL for ever in a C loop (sum over a huge range)
def sliding_window(Z, size):
    sum(range(10**18))
    return np.lib.stride_tricks.sliding_window_view(Z, size)
