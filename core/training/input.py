"""The streaming training input: a file list (or a small in-memory set) to distributed batches.

File-backed sets (``folder:PATH``, ``imagenet:PATH[:train]``) are never loaded whole: the file list
is shuffled once (seeded), sharded per worker (``InputContext.input_pipeline_id`` of
``num_input_pipelines``), reshuffled each epoch in a bounded buffer of file names, decoded in
parallel (``tf.io.decode_image``), augmented, converted with the model's input convention, batched
per replica and prefetched. Memory is the file list plus a few batches in flight, whatever the
dataset size.

Augmentation (``augment``): ImageNet-sized inputs (>= 96 px) get TF-slim's Inception-style random
resized crop (``sample_distorted_bounding_box``: area 5%-100%, aspect 3/4-4/3, as TF-slim's
``inception_preprocessing.distorted_bounding_box_crop`` that its MobileNets train with) resized to
the input size, then a random horizontal flip; small inputs (the 28-px sets) only the flip, as
before. Without augmentation images are only resized.

In-memory sets (embedded, fashion-mnist, cifar10) are small and stay on ``from_tensor_slices``
(uint8 in memory, converted per batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# What tf.io.decode_image decodes.
CROP_MIN_SIZE = 96           # inputs at least this big get the random resized crop
SHUFFLE_BUFFER = 65_536      # file names reshuffled per epoch (the whole list is pre-shuffled once)


@dataclass
class TrainData:
    """What the trainer needs to know about its data before building the model."""

    source: str
    class_names: list[str]
    channels: int
    native_size: int                      # the images' size (in-memory) or the smallest sampled side (files)
    labels: np.ndarray
    paths: list[str] | None = None        # file-backed
    images: np.ndarray | None = None      # in-memory uint8 (N, H, W, C)
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def streaming(self) -> bool:
        return self.paths is not None

    def dataset(self, context, global_batch: int, size: int, convention, augment: bool, seed: int):
        """The ``tf.data.Dataset`` of one input pipeline, for ``strategy.distribute_datasets_from_function``.

        ``context`` is the strategy's ``tf.distribute.InputContext`` (None = a single pipeline);
        elements are ``(float32 images, int64 labels)`` batches of the per-replica size, repeated forever.
        """
        import tensorflow as tf

        pipelines = context.num_input_pipelines if context else 1
        index = context.input_pipeline_id if context else 0
        per_replica = context.get_per_replica_batch_size(global_batch) if context else global_batch
        if self.streaming:
            ds = tf.data.Dataset.from_tensor_slices((np.asarray(self.paths), self.labels.astype(np.int64)))
            ds = ds.shard(pipelines, index)
            ds = ds.shuffle(min(len(self), SHUFFLE_BUFFER), seed=seed + index, reshuffle_each_iteration=True)
            ds = ds.repeat()
            channels = self.channels

            def load(path, label):
                image = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
                return _augment(image, size, augment), label

            ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
        else:
            ds = tf.data.Dataset.from_tensor_slices((self.images, self.labels.astype(np.int64)))
            ds = ds.shard(pipelines, index)
            ds = ds.shuffle(len(self), seed=seed + index, reshuffle_each_iteration=True).repeat()
            ds = ds.map(lambda image, label: (_augment(image, size, augment), label),
                        num_parallel_calls=tf.data.AUTOTUNE)
        ds = ds.batch(per_replica, drop_remainder=True)
        ds = ds.map(lambda x, y: (convention.apply(x), y), num_parallel_calls=tf.data.AUTOTUNE)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def _augment(image, size: int, augment: bool):
    """uint8 (H, W, C) -> float32 (size, size, C) in pixel units (0..255)."""
    import tensorflow as tf

    if augment and size >= CROP_MIN_SIZE:
        begin, extent, _ = tf.image.sample_distorted_bounding_box(
            tf.shape(image), bounding_boxes=tf.constant([[[0.0, 0.0, 1.0, 1.0]]]), min_object_covered=0.1,
            aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 1.0), max_attempts=100,
            use_image_if_no_bounding_boxes=True)
        image = tf.slice(image, begin, extent)
    image = tf.cast(image, tf.float32)
    if augment or image.shape[0] != size or image.shape[1] != size:
        image = tf.image.resize(image, (size, size), method="bilinear")
    if augment:
        image = tf.image.random_flip_left_right(image)
    return tf.clip_by_value(image, 0.0, 255.0)


def open_training_data(spec: str, data_path=None, limit: int | None = None, seed: int = 0) -> TrainData:
    """The training split of ``spec``: a file list for folder:/imagenet: (the same listing, class
    order and ImageNet layouts as every other command, :func:`core.data.load_dataset`), in-memory
    arrays otherwise."""
    from ..data import load_dataset

    src = load_dataset(spec, "train", path=data_path)
    listed = src.files()
    if listed is not None:
        paths, labels = listed
        labels = np.asarray(labels, np.int64)
        order = np.random.default_rng(seed).permutation(len(paths))
        if limit is not None:
            order = order[:limit]
        paths = [paths[i] for i in order]
        labels = labels[order]
        channels, native = _peek(paths)
        classes = list(src.class_names)
        return TrainData(src.source or spec, classes, channels, native, labels, paths=paths,
                         notes=[f"{len(paths)} files in {len(classes)} classes ({src.source or spec})"])
    data = src.limit(limit)
    return TrainData(data.source or spec, list(data.class_names), data.images.shape[-1], data.images.shape[1],
                     data.labels, images=data.images)


def _peek(paths, n: int = 16) -> tuple[int, int]:
    """(channels, smallest side) from the headers of up to ``n`` files: 1 channel only if all are grayscale."""
    from PIL import Image, UnidentifiedImageError

    gray, sides = True, []
    for path in paths[:n]:
        try:
            with Image.open(path) as im:
                gray &= im.mode in ("L", "I", "I;16", "1", "LA")
                sides.append(min(im.size))
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError(f"{path}: not a readable image ({exc})") from None
    return (1 if gray else 3), (min(sides) if sides else 224)
