"""Foundation: sign-in, tenancy, API plumbing, health, management commands and deployment files."""
