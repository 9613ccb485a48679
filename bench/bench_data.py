"""Load time of the embedded dataset (goal: under 0.5 s). Prints JSON.

    .venv/bin/python bench/bench_data.py
"""

import json
import platform
import subprocess
import sys


def main():
    # a fresh process each time: the load cache must not flatter the number
    code = ("import time; t=time.perf_counter(); from core.data import load_dataset; "
            "a=load_dataset('embedded'); b=load_dataset('embedded:eval'); print(time.perf_counter()-t)")
    times = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(5)]
    print(json.dumps({"bench": "embedded_load", "seconds": sorted(times), "median_s": sorted(times)[2],
                      "goal_s": 0.5, "machine": platform.machine(), "cpus": __import__("os").cpu_count()}))


if __name__ == "__main__":
    main()
