"""Nothing of the interactions app is in the Django admin: it is tenant data, reached through the app's
pages and API, whose scoped managers need a tenant the admin does not set (see creditcontrol/admin.py)."""
