"""File-backed image sources (``folder:`` and ``imagenet:``): a file list, streamed through ``tf.data``.

Selection (``per_class``, ``limit``, ``subset``) works on the file list and decodes
nothing. :meth:`FileSource.batches` builds one pipeline: parallel decode and the
evaluation transform per image (:mod:`.transform`), batch, the model's input
convention, prefetch. Memory is a few batches whatever the number of files.

Unreadable files: the pipeline drops them (``ignore_errors``) and each element carries
its index, so a gap names the file exactly. Without ``skip_bad`` the first one stops
the stream with :class:`BadImageError` naming the path and the decoder's reason; with
it, every skipped path is reported through ``warn`` and listed in ``skipped``.
"""

from __future__ import annotations

import numpy as np

from ..progress import NULL_PROGRESS
from .source import BadImageError, RateMeter, check_limit, per_class_index


def parallel_decode() -> int:
    """Images decoded at once: one per core this process may run on (about 1.5 ms of CPU per 224-px JPEG,
    bench/bench_eval_stream.py)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:       # not Linux
        return max(1, os.cpu_count() or 1)


class FileSource:
    def __init__(self, paths, labels, class_names, source: str, skip_bad: bool = False, warn=None):
        self.paths = np.asarray(paths, dtype=object)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.class_names = list(class_names)
        self.source = source
        self.skip_bad = skip_bad
        self.warn = warn
        self.skipped: list[str] = []
        if len(self.paths) != len(self.labels):
            raise ValueError(f"{source}: {len(self.paths)} files but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, index) -> FileSource:
        return FileSource(self.paths[index], self.labels[index], self.class_names, self.source, self.skip_bad,
                          self.warn)

    def per_class(self, n: int, seed: int = 0) -> FileSource:
        """The first ``n`` files of every class in file-name order (``seed`` shuffles first)."""
        return self.subset(per_class_index(self.labels, self.num_classes, n, seed))

    def limit(self, n: int | None) -> FileSource:
        check_limit(n)
        return self if n is None or n >= len(self) else self.subset(np.arange(n))

    def files(self):
        return [str(p) for p in self.paths], self.labels.copy()

    def dataset(self, size: int, channels: int, convention, batch_size: int = 32, quantize=None):
        """The ``tf.data.Dataset`` of ``(x, labels, file index)`` batches (errors dropped, see the module doc)."""
        import tensorflow as tf

        from .transform import decode_crop, eval_transform

        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")

        def load(path, label, index):
            return eval_transform(decode_crop(path, size), size, channels), label, index

        ds = tf.data.Dataset.from_tensor_slices((self.paths.astype(str), self.labels, np.arange(len(self))))
        # no AutoGraph: these functions branch with tf.cond already, and converting them cost ~0.8 s per
        # pipeline (every evaluate, calibrate and live set over a folder)
        plain = tf.autograph.experimental.do_not_convert
        ds = ds.map(plain(load), num_parallel_calls=parallel_decode(), deterministic=True).ignore_errors()

        def finish(x, y, i):
            x = convention.apply(x)
            if quantize is not None:   # on the pipeline's threads, not the caller's
                scale, zero_point, dtype = quantize
                info = np.iinfo(dtype)
                x = tf.cast(tf.clip_by_value(tf.round(x / scale) + zero_point, info.min, info.max), dtype)
            return x, y, i

        ds = ds.batch(batch_size).map(plain(finish)).prefetch(2)
        # no autotuning: its optimisation thread must end before the iterator can be freed, and at the end
        # of a pass it held the caller 4-5 s in 5 of 14 calibrations of 200 images at 224 px (py-spy: the
        # main thread in RootDataset::Iterator's destructor; 0 of 21 without it; docs/data.md). The sizes
        # are fixed above (one decoder per core, two batches ahead); evaluate's throughput is unchanged
        options = tf.data.Options()
        options.autotune.enabled = False
        return ds.with_options(options)

    def batches(self, size: int, channels: int, convention, batch_size: int = 32, progress=NULL_PROGRESS,
                quantize=None):
        """``(x float32 (B, size, size, channels), labels int64 (B,))``; see the module doc for bad files.

        ``quantize=(scale, zero_point, dtype)``: x quantized to that integer dtype (a LiteRT input) instead.
        """
        from .transform import check_file

        progress = progress or NULL_PROGRESS
        self.skipped = []
        n = len(self)
        if n == 0:
            return
        meter = RateMeter(n)
        progress.update(0, n, meter.message(0))
        expected = 0
        for x, y, idx in self.dataset(size, channels, convention, batch_size, quantize):
            progress.check_cancelled()
            idx = idx.numpy()
            if idx[-1] - expected + 1 != len(idx):    # a gap: files dropped by the decoder
                self._dropped(np.setdiff1d(np.arange(expected, idx[-1] + 1), idx), check_file)
            expected = int(idx[-1]) + 1
            yield x.numpy(), y.numpy()
            progress.update(expected, n, meter.message(expected))
        if expected < n:
            self._dropped(np.arange(expected, n), check_file)
        progress.update(n, n, meter.message(n))

    def _dropped(self, indices, check_file) -> None:
        for i in indices:
            path = str(self.paths[i])
            reason = check_file(path) or "the decoder or the transform failed"
            if not self.skip_bad:
                raise BadImageError(path, reason)
            self.skipped.append(path)
            if self.warn is not None:
                self.warn(f"skipped {path}: not a readable image ({reason})")


__all__ = ["FileSource"]
