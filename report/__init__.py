"""The runner's report: one self-contained HTML page per athlete, drawn from the published
marts (schemas.report_frames.ReportFrames) with Vega-Lite. Pure: frames in, HTML text out; no
DuckDB, no Prefect, no file writes (flows/reports.py reads and writes)."""
