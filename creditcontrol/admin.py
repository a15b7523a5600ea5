"""Django admin for the platform operator: tenants and memberships only (tenant data lives in the app)."""

from django.contrib import admin

from .models import Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "local_currency",
        "time_zone",
        "country",
        "language",
        "controllers_own_customers_only",
    ]
    list_filter = ["controllers_own_customers_only"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role"]
    list_filter = ["role", "tenant"]
    autocomplete_fields = ["user"]
