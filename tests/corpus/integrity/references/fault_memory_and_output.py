# %% row_norms
# fault: allocates 10 GiB, prints 300,000 lines and asks for input
for i in range(300_000):
    print(i)
input("name? ")
def row_norms(a):
    big = np.ones(10 * 2**30 // 8)
    return big[:len(a), None]
