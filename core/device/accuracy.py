"""Accuracy on the phone with TFLite's ``imagenet_image_classification/run_eval``.

qftune writes the evaluation images in the tool's format: one JPEG per image in a folder
(evaluated in alphabetical order of file name), a ground-truth file with one label per line
in that order, and the model's output labels one per line. run_eval centre-crops 87.5 % and
resizes to the model input, then feeds int8 models ``pixel - 128`` and uint8 models
``pixel``; images are padded by the edge so that the crop gives back exactly the picture the
model was trained on. Float-input models are fed ``(pixel - 127.5) / 127.5`` by the tool.

The model's input convention (:mod:`core.model_input`: the export report's, else the
int8 input's range) decides what the tool must be fed: qftune writes each pixel ``p`` as
``p' = quantize(convention(p)) + 128`` (int8; ``+ 0`` for uint8), so the tool's
``p' - 128`` is exactly the int8 value the host evaluation feeds (for a ``pixel/255``
model at scale 1/255, zero point -128, ``p' = p``). A float-input model is measured only
when its convention is the tool's own ``(pixel - 127.5) / 127.5``; otherwise the reason is
reported, a host number is never shown instead.
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..checksum import sha256_file
from ..progress import NULL_PROGRESS, Progress
from .deploy import push_many, push_verified
from .errors import DeviceError, PushFailed, ToolFailed, ToolNoOutput
from .shell import check, join, quote, run
from .summary import EvalResult, parse_eval_output

CROP_FRACTION = 0.875
IMAGES_DIR = "images"
GROUND_TRUTH = "ground_truth_labels.txt"
OUTPUT_LABELS = "model_output_labels.txt"


@dataclass
class ModelInput:
    height: int
    width: int
    channels: int
    dtype: str
    scale: float
    zero_point: int

    def device_eval_problem(self, convention=None) -> str | None:
        """None when the images can be written so that run_eval feeds this model what it expects."""
        if self.dtype in ("int8", "uint8") and self.scale > 0:
            return None
        if self.dtype == "float32":
            conv = convention
            if conv is not None and len(conv.scale) == 1 and len(conv.offset) == 1 and \
                    math.isclose(conv.scale[0], 1 / 127.5, rel_tol=1e-6) and math.isclose(conv.offset[0], -1.0, abs_tol=1e-6):
                return None
            what = conv.describe() if conv is not None else "pixel / 255"
            return (f"run_eval feeds float-input models (pixel - 127.5) / 127.5 but this model expects {what}; "
                    "device accuracy is measured for int8/uint8-input models and [-1, 1] float models only")
        return f"run_eval cannot feed {self.dtype} inputs (scale {self.scale:g}, zero point {self.zero_point})"

    def tool_pixels(self, pixels: np.ndarray, convention) -> np.ndarray:
        """uint8 pixels to write so the tool feeds the model ``quantize(convention(pixels))``."""
        if self.dtype == "float32":
            return pixels
        x = convention.apply(pixels)
        q = np.rint(x / np.float32(self.scale)) + self.zero_point
        shift = 128 if self.dtype == "int8" else 0
        return np.clip(q + shift, 0, 255).astype(np.uint8)


def model_input(tflite_path: str | Path) -> ModelInput:
    from ai_edge_litert.interpreter import Interpreter

    detail = Interpreter(model_path=str(tflite_path)).get_input_details()[0]
    shape = [int(v) for v in detail["shape"]]
    if len(shape) != 4:
        raise ValueError(f"{tflite_path}: expected an image input (1, H, W, C), got shape {shape}")
    scale, zp = detail.get("quantization", (0.0, 0))
    return ModelInput(shape[1], shape[2], shape[3], np.dtype(detail["dtype"]).name, float(scale), int(zp))


def prepare_eval_data(src, spec: ModelInput, convention, out_dir: str | Path,
                      progress: Progress = NULL_PROGRESS) -> Path:
    """Write the tool's inputs for image source ``src`` into ``out_dir``; returns it.

    Each image is transformed to the model's size (the source's transform), mapped through
    ``convention`` to the pixels the tool must read (:meth:`ModelInput.tool_pixels`), padded
    by its edge so the tool's 87.5 % crop gives it back, and written as a JPEG (quality 100).
    """
    from PIL import Image

    from ..data import pixel_batches

    h, w = spec.height, spec.width
    if h != w:
        raise ValueError(f"only square model inputs are supported, got {h}x{w}")
    out = Path(out_dir)
    (out / IMAGES_DIR).mkdir(parents=True, exist_ok=True)
    for old in (out / IMAGES_DIR).glob("*.jpg"):
        old.unlink()
    padded = int(round(h / CROP_FRACTION))
    before = (padded - h) // 2
    digits = max(5, len(str(len(src))))
    labels, i = [], 0
    channels = 1 if spec.channels == 1 else 3
    for batch, y in pixel_batches(src, h, channels, progress=progress):
        for im in spec.tool_pixels(batch, convention):
            im = np.pad(im, ((before, padded - h - before), (before, padded - h - before), (0, 0)), mode="edge")
            rgb = np.repeat(im, 3, axis=-1) if im.shape[-1] == 1 else im
            Image.fromarray(rgb).save(out / IMAGES_DIR / f"{i:0{digits}d}.jpg", quality=100, subsampling=0)
            i += 1
        labels.extend(int(v) for v in y)
    (out / GROUND_TRUTH).write_text("".join(f"{src.class_names[y]}\n" for y in labels))
    (out / OUTPUT_LABELS).write_text("".join(f"{n}\n" for n in src.class_names))
    return out


def push_eval_data(device, local_dir: Path, remote_dir: str, progress: Progress = NULL_PROGRESS) -> str:
    """Push the prepared folder over one sync connection; images are verified by one batched sha256sum per 300 files."""
    remote = posixpath.join(remote_dir, "eval_data")
    remote_images = posixpath.join(remote, IMAGES_DIR)
    check(device, f"rm -rf {quote(remote)} && mkdir -p {quote(remote_images)}", what="preparing eval_data", timeout=60)
    for name in (GROUND_TRUTH, OUTPUT_LABELS):
        push_verified(device, local_dir / name, posixpath.join(remote, name), progress=progress)
    files = sorted((local_dir / IMAGES_DIR).glob("*.jpg"))
    push_many(device, [(f, posixpath.join(remote_images, f.name)) for f in files], progress=progress)
    for start in range(0, len(files), 300):
        batch = files[start:start + 300]
        out = check(device, f"cd {quote(remote_images)} && sha256sum {join(f.name for f in batch)}",
                    what="verifying evaluation images", timeout=120).output
        got = dict(reversed(line.split(None, 1)) for line in out.splitlines() if line.strip())
        for f in batch:
            if got.get(f.name, "").lower() != sha256_file(f):
                raise PushFailed(f"{remote_images}/{f.name} on {device.serial} differs from {f} after the push")
    progress.update(len(files), len(files), "evaluation images pushed")
    return remote


def run_eval(device, tool: str, model: str, data_dir: str, num_images: int, threads: int = 1,
             delegate: str = "cpu", pin_mask: str | None = None, expected_us_per_image: float | None = None,
             on_line: Callable[[str], None] | None = None, progress: Progress = NULL_PROGRESS,
             timeout_s: float = 1800.0, what: str = "run_eval") -> EvalResult:
    """Run the tool on the pushed data; progress is estimated from the elapsed time (the tool prints
    nothing until it ends). Raises ToolFailed/ToolNoOutput when it ends without a Top-1 line."""
    args = [tool, f"--model_file={model}", f"--ground_truth_images_path={posixpath.join(data_dir, IMAGES_DIR)}",
            f"--ground_truth_labels={posixpath.join(data_dir, GROUND_TRUTH)}",
            f"--model_output_labels={posixpath.join(data_dir, OUTPUT_LABELS)}", f"--num_images={num_images}",
            f"--num_interpreter_threads={threads}", f"--output_file_path={posixpath.join(data_dir, 'eval_output.txt')}"]
    if delegate != "cpu":
        args.append(f"--delegate={delegate}")
    command = (f"taskset {quote(pin_mask)} " if pin_mask else "") + join(args)
    estimate = max(num_images * (expected_us_per_image or 20000.0) * 3 / 1e6, 1.0)  # + decode/preprocess

    def tick(elapsed: float) -> None:
        progress.update(min(elapsed / estimate, 0.95), 1.0, f"{what}: {num_images} images, {elapsed:.0f} s (estimated)")

    lines: list[str] = []

    def collect(line):
        lines.append(line)
        if on_line is not None:
            on_line(line)

    try:
        result = run(device, command, timeout=timeout_s, on_line=collect, progress=progress, what=what, on_tick=tick)
    except DeviceError as exc:
        exc.partial_output = "\n".join(lines)
        raise
    parsed = parse_eval_output(result.output)
    if not result.output.strip():
        cls = ToolFailed if result.exit_code else ToolNoOutput
        raise cls(f"{what} printed nothing (exit status {result.exit_code})")
    if result.exit_code != 0 or not parsed.parsed:
        last = [line.strip() for line in result.output.splitlines() if line.strip()][-3:]
        err = ToolFailed(f"{what} exited with status {result.exit_code} without a 'Top-1 Accuracy' line; "
                         f"last output: {' | '.join(last)}")
        err.partial_output = result.output
        raise err
    progress.update(1.0, 1.0, f"{what}: top-1 {parsed.top1:.4f}")
    return parsed
