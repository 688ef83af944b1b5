# %% add_to_selected
# fault: a top-level infinite loop in this answer cell
while True:
    pass
