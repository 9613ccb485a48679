"""The benchmark_model / run_eval parsers on every format variant in docs/device.md, section 1."""

from __future__ import annotations

import pytest

from core.device import parse_benchmark_output, parse_eval_output
from core.device.deploy import parse_df_free_kb

MODERN = """\
INFO: STARTING!
INFO: Num threads: [1]
INFO: Graph: [/data/local/tmp/qftune/m.tflite]
INFO: Loaded model /data/local/tmp/qftune/m.tflite
INFO: The input model file size (MB): 3.57
INFO: Initialized session in 5.685ms.
INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
INFO: count=88 first=6953 curr=5512 min=5439 max=6953 avg=5924.6 std=240

INFO: Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
INFO: count=176 first=5697 curr=5664 min=5422 max=6180 avg=5707.34 std=127 p5=5501 median=5690 p95=5950

INFO: Inference timings in us: Init: 5685, First inference: 6953, Warmup (avg): 5924.6, Inference (avg): 5707.34
INFO: Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your one's own risk.
INFO: Memory footprint delta from the start of the tool (MB): init=2.94141 overall=3.51953
"""

# an older build: glog prefixes, no percentiles, "Peak memory footprint", scientific notation
OLDER = """\
I tensorflow/lite/tools/benchmark/benchmark_model.cc:120] count=1 curr=2950340
I tensorflow/lite/tools/benchmark/benchmark_model.cc:120] count=50 first=2.95034e+06 curr=2.81e+06 min=2.79e+06 max=2.95034e+06 avg=2.8e+06 std=31250
I tensorflow/lite/tools/benchmark/benchmark_model.cc:120] Inference timings in us: Init: 1.2e+04, First inference: 2.95034e+06, Warmup (avg): 2.95034e+06, Inference (avg): 2.8e+06
I tensorflow/lite/tools/benchmark/benchmark_model.cc:120] Peak memory footprint (MB): init=4.5 overall=12.25
"""

# 2018-era builds (the LPIRC era): the old one-line summary
OLDEST = """\
Loaded model /data/local/tmp/mobilenet_quant.tflite
Initialized session in 4.77ms
Running benchmark for 1 iterations
count=1 curr=83235
Running benchmark for 50 iterations
count=50 first=82912 curr=82466 min=81806 max=84790 avg=82670.8 std=611
Average inference timings in us: Warmup: 83235, Init: 4770, no stats: 82670.8
"""

MISSING_SUMMARY = """\
INFO: count=20 first=31000 curr=30500 min=29900 max=31000 avg=30312.5 std=300
"""

EXTRA_LINES = MODERN.replace("INFO: Memory footprint", "INFO: Operator-wise profiling summary follows\n"
                             "INFO: Overall peak memory footprint (MB) via periodic monitoring: 9.875\n"
                             "INFO: Memory footprint")


def test_modern_build_all_numbers():
    s = parse_benchmark_output(MODERN)
    assert s.parsed and s.problems == []
    assert (s.init_us, s.first_us, s.warmup_avg_us, s.avg_us) == (5685, 6953, 5924.6, 5707.34)
    assert (s.count, s.min_us, s.max_us, s.std_us) == (176, 5422, 6180, 127)  # the measured runs, not the warm-up
    assert (s.p5_us, s.median_us, s.p95_us) == (5501, 5690, 5950)
    assert (s.memory_kind, s.memory_init_mb, s.memory_overall_mb) == ("delta", 2.94141, 3.51953)
    assert s.avg_ms == pytest.approx(5.70734)


def test_older_build_scientific_notation_and_peak_memory():
    s = parse_benchmark_output(OLDER)
    assert s.avg_us == 2.8e6 and s.first_us == 2950340 and s.init_us == 12000
    assert s.min_us == 2.79e6 and s.std_us == 31250 and s.median_us is None and s.p95_us is None
    assert (s.memory_kind, s.memory_overall_mb) == ("peak", 12.25)


def test_oldest_build_average_inference_timings_line():
    s = parse_benchmark_output(OLDEST)
    assert (s.avg_us, s.init_us, s.warmup_avg_us, s.first_us) == (82670.8, 4770, 83235, None)
    assert s.count == 50 and s.max_us == 84790 and s.memory_overall_mb is None


def test_missing_summary_line_falls_back_to_the_stats_average():
    s = parse_benchmark_output(MISSING_SUMMARY)
    assert s.parsed and s.avg_us == 30312.5 and s.init_us is None
    assert any("Inference timings" in p for p in s.problems)


def test_extra_lines_are_ignored_and_periodic_peak_is_read():
    s = parse_benchmark_output(EXTRA_LINES)
    assert s.avg_us == 5707.34 and s.peak_memory_mb == 9.875 and s.memory_overall_mb == 3.51953


@pytest.mark.parametrize("text", ["", "Segmentation fault\n", "ERROR: Failed to mmap model /x.tflite\n",
                                  "Inference timings in us: Init: n/a\n"])
def test_unparseable_output_reports_raw_text_not_a_number(text):
    s = parse_benchmark_output(text)
    assert not s.parsed and s.avg_us is None and s.avg_ms is None
    assert s.raw == text and s.problems
    assert "not readable" in s.describe()
    assert s.to_json()["parsed"] is False


def test_run_eval_output():
    r = parse_eval_output("Num evaluation runs: 2000\nPreprocessing latency: avg=1200(us), std_dev=30(us)\n"
                          "Inference latency: avg=16291.4(us), std_dev=211(us)\nTop-1 Accuracy: 0.7333\n"
                          "Top-2 Accuracy: 0.81\nTop-5 Accuracy: 0.9\n")
    assert (r.top1, r.top5, r.num_runs, r.latency_avg_us, r.latency_std_us) == (0.7333, 0.9, 2000, 16291.4, 211)
    assert parse_eval_output("Top-1 Accuracy: 73.5%").top1 == pytest.approx(0.735)
    assert not parse_eval_output("ERROR: Could not read model_file").parsed


@pytest.mark.parametrize("text, kb", [
    ("Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/block/dm-2  52768988 12345678  40423310  24% /data\n",
     40423310),
    ("Filesystem               Size     Used     Free   Blksize\n/data                   25.5G     3.2G    22.3G   4096\n",
     int(22.3 * 1024 ** 2)),
    ("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/block/bootdevice/by-name/userdata\n 52768988 12345678 512 99% /data\n",
     512),
])
def test_df_variants(text, kb):
    assert parse_df_free_kb(text) == kb
