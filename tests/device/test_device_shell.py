"""Shell quoting and broken-connection detection against the real adb server + emulated phone."""

from __future__ import annotations

import threading

import adbutils
import pytest
import standins

from core.device import DeviceLost, open_device
from core.device.deploy import push_verified
from core.device.shell import quote, run

AWKWARD = ["plain", "two words", "it's", 'say "hi"', "$HOME; rm -rf /", "back\\slash", "*.tflite", "", "a'b\"c d"]


@pytest.mark.timeout(60)
def test_quoted_arguments_reach_the_phone_verbatim(phone):
    device, _ = open_device(phone.serial)
    for arg in AWKWARD:
        result = run(device, f"echo {quote(arg)}", what="echo")
        assert result.ok and result.output == arg


@pytest.mark.timeout(60)
def test_push_to_a_directory_with_spaces_and_quotes_is_verified(phone, tmp_path, sandbox):
    device, _ = open_device(phone.serial)
    local = tmp_path / "model 'q' \"x\".tflite"
    local.write_bytes(bytes(range(256)) * 300)
    remote_dir = "/data/local/tmp/q dir 'x'"
    assert run(device, f"mkdir -p {quote(remote_dir)}").ok
    pushed = push_verified(device, local, f"{remote_dir}/{local.name}")
    assert pushed.size == 76800 and (sandbox / "data/local/tmp/q dir 'x'" / local.name).read_bytes() == local.read_bytes()


@pytest.mark.timeout(60)
def test_silent_partial_output_is_detected(phone, tmp_path):
    """adbutils' shell() returns the partial output without an error when the phone dies; qftune raises."""
    slow = standins.write_standin(tmp_path / "slow", "import time\nprint('first line', flush=True)\ntime.sleep(60)\n")
    device, _ = open_device(phone.serial)
    push_verified(device, slow, "/data/local/tmp/slow", mode=0o755)

    def kill_on_first_line(line):
        if line == "first line":
            threading.Thread(target=phone.kill).start()

    with pytest.raises(DeviceLost) as info:
        run(device, "/data/local/tmp/slow", on_line=kill_on_first_line, what="the slow tool")
    assert "while running the slow tool" in str(info.value)
    assert info.value.partial_output.startswith("first line")


@pytest.mark.timeout(60)
def test_adbutils_itself_returns_partial_output_silently(phone, tmp_path):
    """The hazard the check above exists for (docs/device.md, section 2), shown on the real adb server."""
    slow = standins.write_standin(tmp_path / "slow", "import time\nprint('first line', flush=True)\ntime.sleep(60)\n")
    device, _ = open_device(phone.serial)
    push_verified(device, slow, "/data/local/tmp/slow", mode=0o755)
    timer = threading.Timer(2.0, phone.kill)
    timer.start()
    try:
        out = adbutils.AdbClient(port=device._client.port).device(phone.serial).shell("/data/local/tmp/slow", timeout=30)
    finally:
        timer.cancel()
    assert out == "first line"
