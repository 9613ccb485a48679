"""``qftune autotune``: the plan of least cost whose top-1 drop against float stays within a target.

One concept per module: :mod:`.options` (what the user asks for, checked), :mod:`.holdout` (the
held-out split that never overlaps the calibration images), :mod:`.moves` (the candidate edits of
one layer's kernel and their cost), :mod:`.search` (sensitivity-ordered phases on the simulated
int8 model), :mod:`.pareto` (the front of top-1 against cost) and :mod:`.report` (JSON and
report.html). The user action around them (load, confirm by export, write) is
:func:`core.workflows.autotune.autotune`.
"""
