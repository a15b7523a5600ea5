"""Pages that stand outside any one tenant: home (pick a tenant) and password change."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .models import Membership


@login_required
def home(request):
    memberships = list(Membership.objects.filter(user=request.user).select_related("tenant"))
    if len(memberships) == 1:
        return redirect("dashboard", tenant_slug=memberships[0].tenant.slug)
    return render(request, "tenant_picker.html", {"memberships": memberships})
