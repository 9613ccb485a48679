"""Which Android ABI a binary was built for, read from its ELF header (e_machine, EI_CLASS)."""

from __future__ import annotations

from pathlib import Path

from .errors import ToolAbiMismatch

# (EI_CLASS, e_machine) -> Android ABI
_ABIS = {(2, 0xB7): "arm64-v8a", (1, 0x28): "armeabi-v7a", (2, 0x3E): "x86_64", (1, 0x03): "x86",
         (2, 0xF3): "riscv64"}
_MACHINE_NAMES = {0xB7: "aarch64", 0x28: "ARM", 0x3E: "x86-64", 0x03: "x86", 0xF3: "RISC-V"}


def elf_abi(path: str | Path) -> str:
    """The Android ABI of an ELF executable; raises ToolAbiMismatch when it is not an Android ELF."""
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF":
        raise ToolAbiMismatch(f"{path}: not an executable for Android (no ELF header; is it a download page "
                              "or an archive rather than the binary?)")
    ei_class, ei_data = head[4], head[5]
    order = "little" if ei_data == 1 else "big"
    machine = int.from_bytes(head[18:20], order)
    abi = _ABIS.get((ei_class, machine))
    if abi is None:
        name = _MACHINE_NAMES.get(machine, f"e_machine 0x{machine:x}")
        raise ToolAbiMismatch(f"{path}: built for {name} ({'64' if ei_class == 2 else '32'}-bit), not an Android ABI")
    return abi


def check_abi(path: str | Path, device_abis: list[str], device_name: str) -> str:
    """Raise ToolAbiMismatch unless the binary's ABI is one the device runs; returns the ABI."""
    abi = elf_abi(path)
    if device_abis and abi not in device_abis:
        raise ToolAbiMismatch(f"{Path(path).name} is built for {abi} but {device_name} runs "
                              f"{', '.join(device_abis)}")
    return abi
