"""Does the live simulation agree with the model the user exported? (issue 21: "where the two disagree
beyond the stated tolerance, the GUI says so and the next Export re-checks").

After an export, the live set's images go through the exported .tflite (LiteRT, XNNPACK, 1 thread, fed as
the app feeds it) and through the simulation with the exported ranges, kernel entries and weight
granularity; the result is the top-1 agreement of the two on the live set and whether it reaches
:data:`TOLERANCE`, the agreement measured on the bundled models (bench/bench_live.py).
"""

from __future__ import annotations

import numpy as np

from ..progress import NULL_PROGRESS, Progress

TOLERANCE = 0.995   # top-1 agreement of simulation and exported model below which the GUI warns


def check_export(live, tflite: str, ranges: dict, weight_plan=None, weights: str | None = None,
                 tolerance: float = TOLERANCE, progress: Progress = NULL_PROGRESS) -> dict:
    """Top-1 agreement of ``live``'s simulation (a :class:`core.simulate.live.LiveSet`), put at the exported
    plan (``ranges``, ``weight_plan``; ``weights`` its default granularity), with ``tflite`` on the live set's
    images: ``{"path", "agreement", "n_images", "disagreeing", "tolerance", "ok", "weights"}``."""
    from ..export.litert import load_interpreter, quantize_input
    from .model import SimulatedModel

    sim = live.sim
    weights = weights or sim.weights
    it = load_interpreter(tflite, threads=1)
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    if tuple(inp["shape"][1:]) != tuple(sim.input_shape):
        raise ValueError(f"{tflite}: its input {tuple(inp['shape'][1:])} is not the session model's "
                         f"{tuple(sim.input_shape)}")
    if weights == sim.weights:    # the warm simulation, re-scored at the exported plan (only what changed)
        live.edit(ranges, progress=progress.sub(0.0, 0.5, 1.0), weight_plan=weight_plan)
        sim_pred = np.argmax(live.scores.reshape(live.n_images, -1), axis=1)
    else:                         # another granularity than the live one: a simulation of its own
        other = SimulatedModel(sim.model, sim.tensors, ranges, weights=weights, folded=sim.folded,
                               weight_plan=weight_plan)
        sim_pred = np.concatenate([np.argmax(np.asarray(other.run(x)).reshape(len(x), -1), axis=1)
                                   for x in live.inputs])
    lite_pred, n, done = [], live.n_images, 0
    for x in live.inputs:
        q = quantize_input(np.asarray(x), inp)
        for i in range(len(q)):
            progress.check_cancelled()
            it.set_tensor(inp["index"], q[i:i + 1])
            it.invoke()
            lite_pred.append(int(np.argmax(it.get_tensor(out["index"]).reshape(-1))))
            done += 1
        progress.update(n + done, 2 * n, f"{tflite}: {done} of {n} images")
    agree = np.asarray(lite_pred) == sim_pred
    agreement = float(np.mean(agree))
    return {"path": str(tflite), "agreement": agreement, "n_images": int(n), "disagreeing": int(np.sum(~agree)),
            "tolerance": float(tolerance), "ok": bool(agreement >= tolerance), "weights": weights}
