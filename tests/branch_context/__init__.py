"""The branch context across pages, and role-shaped dashboards."""
