"""Stand-ins for the phone's measurement binaries (test infrastructure only).

Each stand-in is an ELF header (e_machine says which CPU it was "built" for, so qftune's ABI
check reads it exactly as it reads a real binary) followed by a Python payload that the
emulated shell runs on the host. The payloads keep the real tools' flags and output formats
and do the real work with the LiteRT interpreter.
"""

from __future__ import annotations

import struct
from pathlib import Path

PAYLOAD_MARKER = b"\n#QFTUNE-TEST-PAYLOAD\n"
ELF_MACHINE_AARCH64 = 0xB7
ELF_MACHINE_ARM = 0x28
ELF_MACHINE_X86_64 = 0x3E

COMMON = r'''
import os, posixpath, sys, time
ROOT, CWD = os.environ["PHONE_ROOT"], os.environ["PHONE_CWD"]
def host(p):
    return os.path.join(ROOT, posixpath.normpath(posixpath.join(CWD, p)).lstrip("/"))
flags = {}
for a in sys.argv[1:]:
    if a.startswith("--") and "=" in a:
        k, v = a[2:].split("=", 1)
        flags[k] = v
    else:
        print(f"Unconsumed cmdline flags: {a}")
'''

BENCHMARK_MODEL = COMMON + r'''
import numpy as np
graph = flags.get("graph", "")
threads = int(flags.get("num_threads", "-1"))
runs = int(flags.get("num_runs", "50"))
warmups = int(flags.get("warmup_runs", "1"))
print("INFO: STARTING!")
print("INFO: Log parameter values verbosely: [0]")
print(f"INFO: Min num runs: [{runs}]")
print(f"INFO: Num threads: [{threads}]")
print(f"INFO: Graph: [{graph}]")
print(f"INFO: Use xnnpack: [{int(flags.get('use_xnnpack', 'false') == 'true')}]")
if not os.path.isfile(host(graph)):
    print(f"ERROR: Could not open '{graph}'.")
    print("ERROR: Failed to mmap model " + graph)
    sys.exit(1)
print(f"INFO: Loaded model {graph}")
from ai_edge_litert.interpreter import Interpreter
t0 = time.perf_counter()
interp = Interpreter(model_path=host(graph), num_threads=max(threads, 1))
interp.allocate_tensors()
init_us = (time.perf_counter() - t0) * 1e6
print("INFO: Initialized TensorFlow Lite runtime.")
print(f"INFO: The input model file size (MB): {os.path.getsize(host(graph)) / 1e6:.6f}")
print(f"INFO: Initialized session in {init_us / 1000:.3f}ms.")
inp = interp.get_input_details()[0]
rng = np.random.default_rng(0)
if np.issubdtype(inp["dtype"], np.integer):
    info = np.iinfo(inp["dtype"])
    x = rng.integers(info.min, info.max + 1, size=inp["shape"]).astype(inp["dtype"])
else:
    x = rng.random(size=inp["shape"], dtype=np.float32)
def once():
    interp.set_tensor(inp["index"], x)
    s = time.perf_counter()
    interp.invoke()
    return (time.perf_counter() - s) * 1e6
print(f"INFO: Running benchmark for at least {warmups} iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.")
warm = [once() for _ in range(max(warmups, 1))]
print(f"INFO: count={len(warm)} first={int(warm[0])} curr={int(warm[-1])} min={int(min(warm))} max={int(max(warm))} avg={np.mean(warm):g} std={int(np.std(warm))}")
print("")
print(f"INFO: Running benchmark for at least {runs} iterations and at least 1 seconds but terminate if exceeding 150 seconds.")
t = [once() for _ in range(runs)]
q = np.percentile(t, [5, 50, 95])
print(f"INFO: count={len(t)} first={int(t[0])} curr={int(t[-1])} min={int(min(t))} max={int(max(t))} avg={np.mean(t):g} std={int(np.std(t))} p5={int(q[0])} median={int(q[1])} p95={int(q[2])}")
print("")
print(f"INFO: Inference timings in us: Init: {init_us:g}, First inference: {warm[0]:g}, Warmup (avg): {np.mean(warm):g}, Inference (avg): {np.mean(t):g}")
print("INFO: Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your one's own risk.")
print("INFO: Memory footprint delta from the start of the tool (MB): init=2.94141 overall=3.51953")
'''

RUN_EVAL = COMMON + r'''
import numpy as np
from PIL import Image
model = flags.get("model_file", "")
images_dir = flags.get("ground_truth_images_path", "")
gt_file = flags.get("ground_truth_labels", "")
out_labels = flags.get("model_output_labels", "")
num = int(flags.get("num_images", "0"))
threads = int(flags.get("num_interpreter_threads", "1"))
for name, p in (("model_file", model), ("ground_truth_labels", gt_file), ("model_output_labels", out_labels)):
    if not os.path.isfile(host(p)):
        print(f"ERROR: Could not read {name}: {p}")
        sys.exit(1)
from ai_edge_litert.interpreter import Interpreter
interp = Interpreter(model_path=host(model), num_threads=max(threads, 1))
interp.allocate_tensors()
inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
_, h, w, c = inp["shape"]
files = sorted(f for f in os.listdir(host(images_dir)) if f.lower().endswith((".jpg", ".jpeg")))
gt = open(host(gt_file)).read().splitlines()
labels = open(host(out_labels)).read().splitlines()
if num > 0:
    files = files[:num]
if len(gt) < len(files):
    print("ERROR: Number of labels does not match number of images")
    sys.exit(1)
correct, pre_t, inf_t = 0, [], []
for i, f in enumerate(files):
    s = time.perf_counter()
    im = Image.open(os.path.join(host(images_dir), f)).convert("RGB")
    W, H = im.size
    cw, ch = round(W * 0.875), round(H * 0.875)
    left, top = (W - cw) // 2, (H - ch) // 2
    im = im.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BILINEAR)
    a = np.asarray(im, dtype=np.float32)
    if c == 1:
        a = a[..., :1]
    if inp["dtype"] == np.float32:
        x = (a - 127.5) / 127.5
    elif inp["dtype"] == np.int8:
        x = np.round(a - 128).astype(np.int8)
    else:
        x = a.astype(np.uint8)
    pre_t.append((time.perf_counter() - s) * 1e6)
    interp.set_tensor(inp["index"], x[None])
    s = time.perf_counter()
    interp.invoke()
    inf_t.append((time.perf_counter() - s) * 1e6)
    pred = int(np.argmax(interp.get_tensor(out["index"])[0]))
    correct += labels[pred] == gt[i]
n = len(files)
print(f"Num evaluation runs: {n}")
print(f"Preprocessing latency: avg={np.mean(pre_t):g}(us), std_dev={np.std(pre_t):g}(us)")
print(f"Inference latency: avg={np.mean(inf_t):g}(us), std_dev={np.std(inf_t):g}(us)")
print(f"Top-1 Accuracy: {correct / max(n, 1):g}")
if flags.get("output_file_path"):
    with open(host(flags["output_file_path"]), "w") as fh:
        fh.write(f"num_runs: {n}\ntop_1_accuracy: {correct / max(n, 1)}\n")
'''

CRASHES = r'''
import os, signal, sys
print("INFO: STARTING!")
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGSEGV)
'''

SILENT = "pass\n"


def elf_header(machine: int = ELF_MACHINE_AARCH64) -> bytes:
    """A 64-byte ELF64 little-endian header of a position-independent executable."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    return ident + struct.pack("<HHIQQQIHHHHHH", 3, machine, 1, 0, 64, 0, 0, 64, 56, 0, 64, 0, 0)


def write_standin(path: Path, payload: str, machine: int = ELF_MACHINE_AARCH64) -> Path:
    path = Path(path)
    path.write_bytes(elf_header(machine) + PAYLOAD_MARKER + payload.encode())
    path.chmod(0o755)
    return path
