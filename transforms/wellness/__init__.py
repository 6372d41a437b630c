"""Readers of recovery and body-composition inputs: one input file in, a
`schemas.wellness.WellnessRead` out (frames per raw table and the records that are not
measurements)."""
