"""qftune train on tf.distribute, on this GPU-less machine: MirroredStrategy over two logical CPUs,
MultiWorkerMirroredStrategy across two worker processes on 127.0.0.1 (TF_CONFIG), a worker killed
mid-epoch and both restarted resume from the BackupAndRestore backup."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from train_kit import make_folder

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TRAIN = ["train", "--arch", "mobilenet-v1", "--width", "0.35", "--batch-size", "16", "--lr", "0.005"]


def _env(**extra):
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **extra}


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _launch_workers(args, tmp: Path, tag: str):
    """Two `qftune train --strategy multi-worker` processes, TF_CONFIG on free local ports, own TMPDIRs."""
    ports = _free_ports(2)
    procs = []
    for i in range(2):
        tf_config = {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]}, "task": {"type": "worker", "index": i}}
        scratch = tmp / f"{tag}-tmp{i}"
        scratch.mkdir()
        log = open(tmp / f"{tag}-worker{i}.txt", "w")
        procs.append(subprocess.Popen([sys.executable, "-m", "core.cli", *map(str, args)], cwd=ROOT,
                                      env=_env(TF_CONFIG=json.dumps(tf_config), TMPDIR=str(scratch)),
                                      stdout=log, stderr=subprocess.STDOUT))
    return procs


def test_mirrored_over_two_logical_cpus_trains_and_lowers_the_loss(tmp_path):
    data = make_folder(tmp_path / "data", per_class=32)
    out = tmp_path / "run" / "m.keras"
    r = subprocess.run([sys.executable, "-m", "core.cli", *TRAIN, "--data", f"folder:{data}", "--epochs", "2",
                        "--strategy", "mirrored", "--out", str(out)],
                       cwd=ROOT, env=_env(QFTUNE_LOGICAL_CPUS="2"), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    log = json.loads(out.with_suffix(".log.json").read_text())
    run = log["runs"][-1]
    assert run["replicas"] == 2 and run["strategy"].startswith("mirrored") and run["images"] == 64
    assert "img/s/worker" in r.stderr
    losses = [e["loss"] for e in log["epochs"]]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert sorted(p.name for p in out.parent.iterdir()) == ["m.ckpt.keras", "m.keras", "m.log.json"]


def test_multi_worker_killed_mid_epoch_resumes_from_the_backup_and_only_the_chief_writes(tmp_path):
    data = make_folder(tmp_path / "data", per_class=32)
    out = tmp_path / "run" / "m.keras"
    args = [*TRAIN, "--data", f"folder:{data}", "--epochs", "6", "--strategy", "multi-worker", "--out", out]
    backup_meta = tmp_path / "run" / "m.backup" / "training_metadata.json"

    # 1. both workers train; once the chief has backed up an epoch, kill worker 1 (mid-epoch)
    procs = _launch_workers(args, tmp_path, "first")
    deadline = time.time() + 400
    while not backup_meta.exists():
        assert time.time() < deadline and all(p.poll() is None for p in procs), \
            (tmp_path / "first-worker0.txt").read_text()[-3000:]
        time.sleep(0.05)
    procs[1].send_signal(signal.SIGKILL)
    # the chief notices the lost peer and stops with a clear message (exit 4) instead of hanging
    try:
        code = procs[0].wait(timeout=180)
    except subprocess.TimeoutExpired:
        procs[0].kill()
        raise AssertionError("the chief hung after losing worker 1") from None
    procs[1].wait(timeout=30)
    chief_said = (tmp_path / "first-worker0.txt").read_text()
    assert code == 4 and "lost another worker of the cluster" in chief_said, chief_said[-3000:]
    assert "restart the same command on every worker to resume from" in chief_said
    assert "Traceback" not in chief_said
    time.sleep(0.2)
    backed_up = json.loads(backup_meta.read_text())["epoch"]
    assert 1 <= backed_up < 6, "the kill came after training ended"
    assert not out.exists()

    # 2. restart both: the run continues at the backed-up epoch and finishes
    procs = _launch_workers(args, tmp_path, "second")
    codes = [p.wait(timeout=400) for p in procs]
    assert codes == [0, 0], (tmp_path / "second-worker0.txt").read_text()[-3000:] + \
        (tmp_path / "second-worker1.txt").read_text()[-3000:]
    log = json.loads(out.with_suffix(".log.json").read_text())
    run = log["runs"][-1]
    assert run["from"] == "backup" and run["initial_epoch"] == backed_up and run["workers"] == 2
    assert [e["epoch"] for e in log["epochs"]] == [1, 2, 3, 4, 5, 6]
    losses = [e["loss"] for e in log["epochs"]]
    assert losses[backed_up] < losses[0], losses     # continued from trained weights, not from scratch
    assert "the chief wrote the model" in (tmp_path / "second-worker1.txt").read_text()

    # only the chief wrote: the model, its checkpoint and log; the backup is gone; worker 1 left nothing
    assert sorted(p.name for p in out.parent.iterdir()) == ["m.ckpt.keras", "m.keras", "m.log.json"]
    assert list((tmp_path / "second-tmp1").iterdir()) == []
    import keras

    model = keras.models.load_model(out)
    assert model.predict(np.zeros((1, 32, 32, 3), np.float32), verbose=0).shape == (1, 2)
