"""Saved views of the credit list: a user's named filters, columns and sort, one of them the default the
list opens with when asked with no query. Kept in the membership's preferences (per user and tenant), as
{"credit_list_views": [{"name", "query", "default"}]}: a personal setting like the chosen columns."""

from django.http import QueryDict

from creditcontrol.errors import DomainError

VIEWS = "credit_list_views"
VIEWS_MAX = 20
VIEW_NAME_MAX = 60


def saved_views(membership) -> list[dict]:
    views = membership.preferences.get(VIEWS)
    return [v for v in views if isinstance(v, dict)] if isinstance(views, list) else []


def saved_view_default(membership) -> dict | None:
    return next((v for v in saved_views(membership) if v.get("default")), None)


def view_query(query: QueryDict, allowed: set[str]) -> str:
    """The part of a credit list query a view keeps: its filters, sort and columns (not the page). An empty
    filter is kept: `controller=` (everyone's customers) is not the controller's default (their own)."""
    kept = QueryDict(mutable=True)
    for key in sorted(allowed & set(query)):
        kept.setlist(key, query.getlist(key))
    return kept.urlencode()


def saved_view_save(*, membership, name: str, query: str, default: bool) -> dict:
    """Save (or replace, by name) one of the user's views; `default` makes it the one the credit list
    opens with when asked with no query (and no other view stays default)."""
    name = " ".join(name.split())
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):  # a NUL would not even store in JSONB
        raise DomainError("A view's name cannot hold control characters.", details={"name": "invalid"})
    if not name:
        raise DomainError("Name the view to save it.", details={"name": "required"})
    if len(name) > VIEW_NAME_MAX:
        raise DomainError(
            f"A view's name has at most {VIEW_NAME_MAX} characters.", details={"name": "too long"}
        )
    views = [v for v in saved_views(membership) if v.get("name") != name]
    if len(views) >= VIEWS_MAX:
        raise DomainError(f"At most {VIEWS_MAX} saved views: delete one first.", details={"name": "too many"})
    view = {"name": name, "query": query, "default": default}
    if default:
        views = [{**v, "default": False} for v in views]
    membership.preferences[VIEWS] = [*views, view]
    membership.save(update_fields=["preferences"])
    return view


def saved_view_delete(*, membership, name: str) -> bool:
    views = saved_views(membership)
    kept = [v for v in views if v.get("name") != name]
    membership.preferences[VIEWS] = kept
    membership.save(update_fields=["preferences"])
    return len(kept) < len(views)


def saved_view_make_default(*, membership, name: str | None) -> None:
    """Make the named view the default (None or an unknown name: no default)."""
    membership.preferences[VIEWS] = [{**v, "default": v.get("name") == name} for v in saved_views(membership)]
    membership.save(update_fields=["preferences"])
