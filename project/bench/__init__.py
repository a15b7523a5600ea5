"""The benchmarks of `manage.py bench`: demo seeding, imports, recalculation, pages under load."""
