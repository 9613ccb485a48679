"""int8 .tflite export with the plan's exact ranges, its verification and the report."""

from .export import convert_float, convert_int8, expected_params, export_int8
from .graph import GRANULARITIES
from .report import ExportReport, report_path
from .verify import ExportVerificationError, verify_int8

__all__ = ["ExportReport", "ExportVerificationError", "GRANULARITIES", "convert_float", "convert_int8",
           "export_int8", "expected_params", "report_path", "verify_int8"]
