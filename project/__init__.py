"""The project's wiring, on top of every app: the root URLconf, the demo data, the benchmarks."""
