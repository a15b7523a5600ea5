"""The audit log through the API: the page's filters, paged, exact UTC times."""

from rest_framework import generics, serializers

from creditcontrol.api import TenantAPIMixin

from . import selectors
from .filters import AuditChangeFilter
from .models import AuditChange


class AuditChangeSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(read_only=True, allow_null=True)
    user = serializers.SerializerMethodField()
    token = serializers.SerializerMethodField()
    import_file = serializers.SerializerMethodField()
    task = serializers.SerializerMethodField()
    task_run = serializers.SerializerMethodField()

    class Meta:
        model = AuditChange
        fields = [
            "id",
            "occurred_at",
            "entity",
            "object_id",
            "customer_id",
            "customer_code",
            "action",
            "field",
            "old_value",
            "new_value",
            "source",
            "user_id",
            "user",
            "token",
            "job",
            "import_file",
            "task",
            "task_run",
            "reason",
        ]

    def _said(self, row, key) -> str:
        return (row.context or {}).get(key, "")

    def get_user(self, row) -> str:
        return self._said(row, "user")

    def get_token(self, row) -> str:
        return self._said(row, "token")

    def get_import_file(self, row) -> str:
        return self._said(row, "file")

    def get_task(self, row) -> str:
        return self._said(row, "task")

    def get_task_run(self, row) -> str:
        return self._said(row, "run")


class AuditChangeListView(TenantAPIMixin, generics.ListAPIView):
    """The audit log, newest first: one row per changed field, who or what changed it, when (UTC)."""

    serializer_class = AuditChangeSerializer
    filterset_class = AuditChangeFilter

    def tenant_queryset(self):
        return selectors.audit_changes()
