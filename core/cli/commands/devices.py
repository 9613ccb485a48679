"""qftune devices: the Android devices adb sees, with state and what to do about it."""

from __future__ import annotations

from ..json_output import print_json


def register(sub):
    p = sub.add_parser("devices", help="list Android devices seen by adb (model, Android version, ABI, state)",
                       description="List the devices the adb server knows (starting it if needed, on "
                       "ANDROID_ADB_SERVER_PORT when set), with model, Android version, CPU ABI and state; "
                       "unauthorized/offline devices come with advice.")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...device import DeviceError, list_devices
    from .. import CliError

    try:
        devices = list_devices()
    except DeviceError as exc:
        raise CliError(exc.full_message()) from exc
    if args.json:
        print_json([d.to_json() for d in devices])
        return 0
    if not devices:
        print("no devices (plug a phone in with USB debugging enabled, or adb connect HOST:PORT)")
        return 0
    for d in devices:
        if d.ready:
            print(f"{d.serial}\t{d.state}\t{d.model}\tAndroid {d.android}\t{d.abi}")
        else:
            print(f"{d.serial}\t{d.state}\t{d.advice}")
    return 0
