"""Train…: the options of ``qftune train``; runs :func:`core.workflows.train.train`."""

from __future__ import annotations

from .options_dialog import Field, OptionsDialog


class TrainDialog(OptionsDialog):
    title = "Train"
    command = "train"
    fields = [
        Field("arch", "Architecture", "choice", "mobilenet-v2", "Network family", ["mobilenet-v2", "mobilenet-v1"]),
        Field("qf_changes", "QF changes", "text", "1,2,3",
              "Comma list: 1 = no BN/ReLU between depthwise and pointwise, 2 = ReLU instead of ReLU6, "
              "3 = L2 on depthwise weights; empty = the original network"),
        Field("width", "Width multiplier", "float", 0.5, "MobileNet alpha", minimum=0.1, maximum=2.0),
        Field("data", "Data", "text", "fashion-mnist", "Dataset spec (training split)"),
        Field("epochs", "Epochs", "int", 10, "Number of epochs", minimum=1, maximum=1000),
        Field("batch_size", "Batch size", "int", 128, "Images per step", minimum=1, maximum=4096),
        Field("lr", "Learning rate", "float", 2e-3, "Initial learning rate (cosine-decayed)", minimum=0, maximum=10),
        Field("limit", "Limit", "int", 0, "Train on the first N images only (0 = no limit: all)", minimum=0,
              zero_text="no limit"),
        Field("resume", "Resume", "bool", False, "Continue from MODEL.ckpt.keras"),
        Field("out", "Output model", "save", "", "Where to write MODEL.keras", file_filter="Keras model (*.keras)"),
    ]


def make_job(values: dict):
    """``fn(progress) -> the run log qftune train --json prints`` (:func:`gui.engine_jobs.train`, in the engine
    process). The options and outputs are checked here first (:mod:`core.workflows.train`): an error keeps the
    dialog open with it shown."""
    from core.workflows.train import check_out, train_config

    from .. import engine_jobs
    from ..engine_process import remote

    if not values["out"]:
        raise ValueError("choose where to write the trained model (Output model)")
    config = train_config(arch=values["arch"], qf_changes=values["qf_changes"] or "", width=values["width"],
                          data=values["data"], epochs=values["epochs"], batch_size=values["batch_size"],
                          learning_rate=values["lr"], limit=values["limit"] or None, command="qftune gui (Train…)")
    check_out(values["out"], values["resume"])
    return remote(engine_jobs.train, config=config.to_dict(), out=values["out"], resume=values["resume"])
