"""Benchmarks of Satu Pintu (`make bench`). Figures are written up in docs/BENCHMARKS.md; no
test asserts on them."""
