# %% tint
# fault: holds more than the sandbox's memory in several processes, forks as many processes
# as it can and leaves System V shared memory behind. The sandbox's limits are per sandbox,
# not per process (tests/test_integrity.py reads what this cell printed in the instructor's
# copy), and nothing of it outlives grading.
import ctypes
import os
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
segments = 0
for i in range(8):  # 8 x 64 MiB, touched, then detached: they stay after the process ends
    shmid = libc.shmget(0x5EB0 + i, 64 * 2**20, 0o1000 | 0o600)
    if shmid >= 0:
        address = libc.shmat(shmid, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(address, 1, 64 * 2**20)
            libc.shmdt(ctypes.c_void_p(address))
            segments += 1

reader, writer = os.pipe()
children = []
for i in range(3):  # three children of 600 MiB each, alive together
    pid = os.fork()
    if pid == 0:
        block = bytearray(600 * 2**20)
        block[::4096] = b"\x01" * len(block[::4096])
        time.sleep(0.6)
        os.write(writer, b"x")
        os._exit(0)
    children.append(pid)
    time.sleep(0.15)
os.close(writer)
for pid in children:
    os.waitpid(pid, 0)
held = len(os.read(reader, 16))

forked = 0
try:
    for i in range(500):
        if os.fork() == 0:
            time.sleep(0.2)
            os._exit(0)
        forked += 1
except OSError:
    pass
for i in range(forked):
    os.wait()
print(f"sandbox totals: segments {segments}, children that held 600 MiB {held}, processes forked {forked}")

def tint(img, factors):
    raise NotImplementedError()
