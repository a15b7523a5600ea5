"""Customer API: customers, contacts and credit limit reviews (thin: serializers validate, services write)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from creditcontrol.api import ID_MAX, TenantAPIMixin
from creditcontrol.models import Role
from creditcontrol.tenancy import current_tenant

from . import services
from .filters import ContactFilter, CreditLimitChangeFilter, CustomerFilter
from .models import Branch, Contact, CreditLimitChange, Customer, CustomerGroup, PaymentTerms


@extend_schema_field(OpenApiTypes.INT)  # an id of the tenant's own rows
class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id that must belong to the current tenant; another tenant's id reads as nonexistent."""

    def get_queryset(self):
        return self.queryset_factory()

    def __init__(self, queryset_factory, **kwargs):
        self.queryset_factory = queryset_factory
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # Only a whole number (or its digits) can be an id; one past a bigint is nobody's, and must not
        # reach the query (float('inf') and 10**30 would fail there, with a 500).
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        text = data.strip() if isinstance(data, str) else str(data)
        if not text.isascii() or not text.lstrip("-").isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < int(text) <= ID_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _holds_nul(value) -> bool:
    """Whether a JSON value holds a NUL character anywhere, in a key or a string."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def tenant_users():
    return get_user_model().objects.filter(memberships__tenant=current_tenant())


class CustomerSerializer(serializers.ModelSerializer):
    group = TenantRelatedField(lambda: CustomerGroup.objects.all(), required=False, allow_null=True)
    branch = TenantRelatedField(lambda: Branch.objects.all(), required=False, allow_null=True)
    payment_terms = TenantRelatedField(lambda: PaymentTerms.objects.all(), required=False, allow_null=True)
    controller = TenantRelatedField(tenant_users, required=False, allow_null=True)
    linked_customers = TenantRelatedField(lambda: Customer.objects.all(), many=True, required=False)
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Why (a hold or a block set or lifted): kept with the change in the audit log",
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "customer_type",
            "group",
            "branch",
            "currency_code",
            "payment_terms",
            "credit_limit_lcy",
            "credit_limit_last_checked",
            "blocked",
            "hold_all",
            "controller",
            "email",
            "phone",
            "address",
            "city",
            "country",
            "tags",
            "custom_fields",
            "linked_customers",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["credit_limit_lcy", "credit_limit_last_checked", "created_at", "updated_at"]

    def validate_custom_fields(self, value):
        if not isinstance(value, dict):  # `null` (or a list) would fail the database's NOT NULL: a 500
            raise serializers.ValidationError(
                'Must be an object of names and values, e.g. {"region": "North"}.'
            )
        if _holds_nul(value):  # PostgreSQL's jsonb cannot store one: the save would fail with a 500
            raise serializers.ValidationError("Null characters are not allowed.")
        return value

    def validate_code(self, value):
        clash = Customer.objects.filter(code=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"A customer with code {value} already exists.")
        return value


class CustomerViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Customers. A credit limit is changed through /credit-limit-changes/, which keeps its history."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["code", "name", "created_at", "credit_limit_lcy"]
    ordering = ["code"]
    write_role = Role.MANAGER
    http_method_names = ["get", "post", "patch", "head", "options"]

    def tenant_queryset(self):
        return Customer.objects.prefetch_related("linked_customers")

    @transaction.atomic
    def perform_create(self, serializer):
        linked = serializer.validated_data.pop("linked_customers", [])
        serializer.validated_data.pop("reason", None)  # nothing to explain about a new customer
        customer = services.customer_create(**serializer.validated_data)
        customer.linked_customers.set(linked)
        serializer.instance = customer

    @transaction.atomic
    def perform_update(self, serializer):
        linked = serializer.validated_data.pop("linked_customers", None)
        customer = services.customer_update(customer=serializer.instance, **serializer.validated_data)
        if linked is not None:
            customer.linked_customers.set(linked)


class ContactSerializer(serializers.ModelSerializer):
    customer = TenantRelatedField(lambda: Customer.objects.all())

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "position",
            "email",
            "phone",
            "is_primary",
            "is_credit_control_contact",
            "is_inactive",
        ]
        # One primary and one credit-control contact per customer: the service moves the mark from the old
        # one (the validators DRF makes of those constraints would refuse the new one instead).
        validators = []


class ContactViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def tenant_queryset(self):
        return Contact.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.contact_save(contact=Contact(**serializer.validated_data))

    def perform_update(self, serializer):
        contact = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(contact, name, value)
        services.contact_save(contact=contact)


class CreditLimitChangeSerializer(serializers.ModelSerializer):
    customer = TenantRelatedField(lambda: Customer.objects.all())
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CreditLimitChange
        fields = [
            "id",
            "customer",
            "changed_at",
            "changed_by",
            "old_limit_lcy",
            "new_limit_lcy",
            "checked_on",
            "note",
        ]
        read_only_fields = ["changed_at", "changed_by", "old_limit_lcy"]
        extra_kwargs = {
            "checked_on": {"required": False},
            "new_limit_lcy": {"required": True, "allow_null": True},
        }


class CreditLimitChangeViewSet(TenantAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Credit limit reviews. POST records a new limit (null = no limit) and stamps "last checked"."""

    serializer_class = CreditLimitChangeSerializer
    filterset_class = CreditLimitChangeFilter
    write_role = Role.MANAGER

    def tenant_queryset(self):
        return CreditLimitChange.objects.select_related("changed_by")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.credit_limit_change(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(change).data, status=status.HTTP_201_CREATED)


class BranchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Branch
        fields = ["id", "code", "name"]


class CustomerGroupSerializer(serializers.ModelSerializer):
    parent = TenantRelatedField(lambda: CustomerGroup.objects.all(), required=False, allow_null=True)

    class Meta:
        model = CustomerGroup
        fields = ["id", "code", "name", "parent"]


class PaymentTermsSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentTerms
        fields = ["id", "code", "description", "rule", "days"]


class _SetupViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """A setup object (tenant admins), written through its services, which check that its code is unique in
    the tenant: a duplicate is a 400 naming the field, never the database's 500."""

    write_role = Role.ADMIN
    http_method_names = ["get", "post", "patch", "head", "options"]


class BranchViewSet(_SetupViewSet):
    serializer_class = BranchSerializer

    def tenant_queryset(self):
        return Branch.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.branch_create(**serializer.validated_data)

    def perform_update(self, serializer):
        services.branch_update(branch=serializer.instance, **serializer.validated_data)


class CustomerGroupViewSet(_SetupViewSet):
    """Customer groups, a tree: a group's parent must not sit below it (nor be the group)."""

    serializer_class = CustomerGroupSerializer

    def tenant_queryset(self):
        return CustomerGroup.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.customer_group_create(**serializer.validated_data)

    def perform_update(self, serializer):
        services.customer_group_update(group=serializer.instance, **serializer.validated_data)


class PaymentTermsViewSet(_SetupViewSet):
    serializer_class = PaymentTermsSerializer

    def tenant_queryset(self):
        return PaymentTerms.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.payment_terms_create(**serializer.validated_data)

    def perform_update(self, serializer):
        services.payment_terms_update(payment_terms=serializer.instance, **serializer.validated_data)
