"""The runner's report: one self-contained HTML page per athlete, drawn from the published
marts (schemas.report.ReportFrames) with Vega-Lite. Pure: frames in, HTML text out; no
DuckDB, no Prefect, no file writes (flows/report.py reads and writes)."""
