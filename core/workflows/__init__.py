"""One function per user action, shared by the CLI commands and the GUI's engine process.

Each takes the user's inputs (paths, dataset specs, options, the input convention) and a
:class:`core.progress.Progress`, checks them before any work (an error names the option as the
CLI spells it, and the value), and returns a result object; the CLI parses arguments and prints
around these functions, the GUI's engine process (``gui/engine_jobs.py``) calls them with a
dialog's values. A result's ``to_dict()`` is what the CLI prints with ``--json`` and what the
engine job returns to the window: one format for both. No Qt, and no TensorFlow import until a
function runs.

========================  ==========================================
action                    function
========================  ==========================================
calibrate                 :func:`core.workflows.calibrate.calibrate`
export (+ bias corr.)     :func:`core.workflows.export.export`
evaluate                  :func:`core.workflows.evaluate.evaluate`,
                          :func:`~core.workflows.evaluate.evaluate_float_and_int8`
evaluate a plan (sim.)    :func:`core.workflows.simulate.evaluate_session`
compare (SQNR)            :func:`core.workflows.compare.compare`
sensitivity               :func:`core.workflows.sensitivity.sensitivity`
equalize (CLE)            :func:`core.workflows.equalize.equalize`
compare mode accuracy     :func:`core.workflows.export.export_and_evaluate`
deploy (phone)            :func:`core.workflows.deploy.deploy`
weight view / weights     :func:`core.workflows.weights.read_weights`
train                     :func:`core.workflows.train.train`
finetune (QAT)            :func:`core.workflows.finetune.finetune`
autotune                  :func:`core.workflows.autotune.autotune`
========================  ==========================================

:mod:`core.workflows.inputs` holds what several actions share: a session whose model exists,
a test set cut to a limit, the convention a plan was calibrated with.
"""
