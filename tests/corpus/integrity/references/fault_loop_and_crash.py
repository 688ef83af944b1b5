# %% add_to_selected
# fault: a top-level infinite loop in this answer cell
while True:
    pass

# %% row_norms
# correct
def row_norms(a):
    return np.sqrt((a * a).sum(axis=1, keepdims=True))
