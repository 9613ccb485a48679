"""The fine-tuning data: the training split of ``--data``, fitted to the model, never an evaluation image.

The evaluation split is the one ``qftune evaluate`` uses for the same spec (its test split).
Like the accuracy benches (``bench/_accuracy_kit.refuse_overlap``) the training images are
compared with it byte for byte (in-memory sets) or by resolved file path (folder:/imagenet:), and
a run that would train on an image it is then evaluated on is refused. A ``folder:`` spec has no
split of its own (training and evaluation read the same folder), so no evaluation split exists
to protect: the run says so in its log.
"""

from __future__ import annotations

import os

import numpy as np


class DataMismatchError(ValueError):
    """The data cannot train this model (classes, channels) or overlaps the evaluation split."""


def open_finetune_data(spec: str, data_path, limit, seed, model):
    """``(TrainData, note)`` for ``model``; a :class:`DataMismatchError` naming the spec when it does not fit."""
    from ..training.input import open_training_data

    data = open_training_data(spec, data_path, limit, seed)
    if len(data) == 0:
        raise DataMismatchError(f"{spec}: no training images")
    classes = int(model.output_shape[-1])
    top = int(np.max(data.labels)) if len(data.labels) else -1
    if data.num_classes > classes or top >= classes:
        raise DataMismatchError(f"{spec}: {data.num_classes} classes (labels up to {top}) do not fit the model's "
                                f"{classes} outputs; fine-tune on data of the classes the model was trained on")
    channels = int(model.input_shape[-1])
    if data.channels != channels:
        raise DataMismatchError(f"{spec}: {data.channels}-channel images, the model takes {channels} channel(s)")
    return data, overlap_note(spec, data_path, data)


def overlap_note(spec: str, data_path, data) -> str:
    """A note on the evaluation split checked; a :class:`DataMismatchError` when a training image is in it."""
    from ..data import load_dataset

    evaluation = load_dataset(spec, "test", path=data_path)
    listed = evaluation.files()
    if data.streaming:
        eval_paths = {os.path.realpath(p) for p in (listed[0] if listed is not None else [])}
        train_paths = {os.path.realpath(p) for p in data.paths}
        if eval_paths == train_paths or (spec.startswith("folder:")):
            return f"{spec} has no separate evaluation split: evaluate on other images"
        shared = len(train_paths & eval_paths)
        if shared:
            raise DataMismatchError(f"{spec}: {shared} training image(s) are also in its evaluation split; "
                                    "fine-tuning on them would make the evaluation meaningless")
        return f"no training image is in the evaluation split ({len(eval_paths)} files, compared by path)"
    keys = {im.tobytes() for im in evaluation.images}
    shared = sum(im.tobytes() in keys for im in data.images)
    if shared:
        raise DataMismatchError(f"{spec}: {shared} of its {len(data)} training images are also evaluation images "
                                f"({evaluation.source or 'its test split'}); fine-tune on the training split")
    return f"no training image is in the evaluation split ({len(keys)} images, compared byte for byte)"
