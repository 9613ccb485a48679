"""``qftune autotune``: the plan of least cost whose top-1 drop against float stays within a target.

One concept per module: :mod:`.options` (what the user asks for, checked), :mod:`.holdout` (the
held-out split that never overlaps the calibration images), :mod:`.moves` (the candidate edits of
one layer, one generator per kind: clip, per-channel, float; and their cost), :mod:`.exportable`
(which ops a float move may offer: their verified export succeeds), :mod:`.scoring` (a plan scored on
the simulated int8 model, a simulation per set of float ops), :mod:`.search` (sensitivity-ordered
phases), :mod:`.pareto` (the front of top-1 against cost), :mod:`.report` (JSON and report.html) and
:mod:`.apply` (one point of a result loaded into a session as one change). The user action around
them (load, confirm by export, write) is :func:`core.workflows.autotune.autotune`.
"""
