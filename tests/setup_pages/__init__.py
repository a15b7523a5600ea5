"""Setup pages a tenant admin (or a manager, for assigning customers) uses."""
