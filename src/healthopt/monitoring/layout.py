"""Where layer monitoring's files live: seed 001's layout, under a trial's `monitoring/`."""

MONITORING_DIR = "monitoring"
SUMMARY_FILE = "training_summary.json"
REPORT_FILE = "monitoring_report.html"
CLASS_STRIP_FILE = "layer_classifications.png"
