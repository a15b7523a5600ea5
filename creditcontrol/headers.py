"""Security headers Django itself does not send (5.2 has no Content-Security-Policy of its own).

`SecurityHeadersMiddleware` gives every response that goes through Django:

- a `Content-Security-Policy` built from `SECURE_CSP` (a dict of directive → sources, the shape Django 6.0's
  built-in setting of the same name takes), or from the first `SECURE_CSP_PATH_OVERRIDES` entry whose path
  prefix the request's path starts with (the API docs pages, whose third-party templates carry inline
  scripts and styles);
- `Cache-Control: private, no-store`, unless the view has said something itself (`never_cache` on /healthz
  and the admin): pages, API answers and CSV/PDF exports hold a tenant's data and must not stay in a browser's
  or a proxy's cache.

A response that already carries a `Content-Security-Policy` keeps it. Static files never get here:
whitenoise answers them in the middleware above this one, with its own long-lived caching headers.
"""

from django.conf import settings

NO_STORE = "private, no-store"


def build_policy(directives: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"], "frame-ancestors": ["'none'"]}` → "default-src 'self'; frame-ancestors 'none'"."""
    return "; ".join(
        " ".join([directive, *sources]) if sources else directive for directive, sources in directives.items()
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy(settings.SECURE_CSP)
        self.path_policies = [
            (prefix, build_policy({**settings.SECURE_CSP, **overrides}))
            for prefix, overrides in getattr(settings, "SECURE_CSP_PATH_OVERRIDES", {}).items()
        ]

    def policy_for(self, path: str) -> str:
        return next((policy for prefix, policy in self.path_policies if path.startswith(prefix)), self.policy)

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy_for(request.path)
        if "Cache-Control" not in response:
            response["Cache-Control"] = NO_STORE
        return response
