"""The pages that combine every app: dashboard, credit list, balance due report, customer card, search."""
