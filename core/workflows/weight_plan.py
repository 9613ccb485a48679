"""Kernel entries of a session's plan (``LAYER/kernel``): attaching the model's folded kernels and
the rows ``qftune ranges --weights`` shows.

A weight chooser, a clip of one channel and the error readout (channels erased, weight SQNR)
need the kernels, so they load the session's model; an edit that needs none (a per-tensor clip,
a granularity at minmax, a reset) works on the session alone.
"""

from __future__ import annotations

import math

from ..progress import NULL_PROGRESS, Progress


def attach_kernels(session, progress: Progress = NULL_PROGRESS, model=None) -> bool:
    """Give ``session.plan`` its model's folded kernels; False (nothing attached) when the model is gone."""
    from pathlib import Path

    if model is None:
        if not session.model_path or not Path(session.model_path).exists():
            return False
        from ..models.loading import load_model

        progress.update(0, 1, "reading the model's kernels")
        model = load_model(session.model_path)
    from ..weights.kernels import kernel_stats

    session.plan.attach_kernels(kernel_stats(model))
    progress.update(1, 1, "kernels read")
    return True


def weight_row(plan, name: str, default_granularity: str = "per-channel") -> dict:
    """One kernel entry as ``ranges --weights`` shows it (error figures when the kernels are attached)."""
    e = plan.weight(name)
    row = {"name": e.name, "layer": e.layer, "kind": e.kind,
           "granularity": e.granularity or default_granularity, "granularity_set": e.granularity is not None,
           "method": e.method, "clip": list(e.clip) if e.clip is not None else None}
    if e.layer in plan.kernel_stats:
        stats = plan.kernel_stats[e.layer]
        m = plan.weight_ranges(e.name, default_granularity)
        err = plan.weight_error(e.name, default_granularity)
        row.update({"max_abs": float(stats.abs_max("per-tensor")[0]),
                    "clip_max": float(m.max()), "clip_min": float(m.min()), "n_scales": int(len(m)),
                    "channels": err["channels"], "erased": err["erased"],
                    "sqnr_db": err["sqnr_db"] if math.isfinite(err["sqnr_db"]) else None,
                    "clipped_pct": 100.0 * err["clipped_fraction"],
                    "output_sqnr_db": (err["output_sqnr_db"] if err["output_sqnr_db"] is None
                                       or math.isfinite(err["output_sqnr_db"]) else None)})
    return row


def weight_rows(plan, default_granularity: str = "per-channel") -> list[dict]:
    return [weight_row(plan, n, default_granularity) for n in plan.weight_names]


def describe_weight(row: dict) -> str:
    """``block0_dw/kernel: per-tensor clip ±3 (user); 0 of 24 channels erased, weight SQNR 31.2 dB``."""
    clip = ("max|w|" if row["clip"] is None else f"±{row['clip'][0]:.6g}" if len(row["clip"]) == 1
            else f"{len(row['clip'])} channel clips ±{min(row['clip']):.4g}..{max(row['clip']):.4g}")
    text = f"{row['name']}: {row['granularity']} clip {clip} ({row['method']})"
    if "erased" in row:
        sqnr = "inf" if row["sqnr_db"] is None else f"{row['sqnr_db']:.1f}"
        text += f"; {row['erased']} of {row['channels']} channels erased, weight SQNR {sqnr} dB"
        if row.get("output_sqnr_db") is not None:
            text += f" (output, by BN variance: {row['output_sqnr_db']:.1f} dB)"
        text += f", {row['clipped_pct']:.2f}% of weights clipped"
    return text
