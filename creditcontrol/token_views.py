"""The API token endpoints of the signed-in user, outside any tenant: list, create (the secret shown once),
revoke. A module of their own: `creditcontrol.tokens` holds the authentication class that the settings name
in DEFAULT_AUTHENTICATION_CLASSES, which DRF reads while `rest_framework.views` is first imported, so that
module must not import DRF's views."""

from django.db import transaction
from django.http import Http404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import ApiToken
from .sql import ID_MAX
from .tokens import DEFAULT_DAYS, MAX_DAYS, create_token, revoke_token


class ApiTokenSerializer(serializers.ModelSerializer):
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "read_only",
            "revoked",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_revoked(self, token) -> bool:
        return token.revoked_at is not None


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=DEFAULT_DAYS)
    read_only = serializers.BooleanField(default=False)


@extend_schema(exclude=True)  # the schema documents the tenant API; these live outside any tenant
class ApiTokenListView(generics.ListAPIView):
    """GET: the signed-in user's own tokens, never a secret. POST: a new token, its secret shown once."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return ApiToken.objects.filter(owner=self.request.user)

    def post(self, request):
        form = ApiTokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with transaction.atomic():
            token, secret = create_token(request.user, **form.validated_data)
        return Response({**ApiTokenSerializer(token).data, "secret": secret}, status=status.HTTP_201_CREATED)


@extend_schema(exclude=True)
class ApiTokenRevokeView(APIView):
    """POST: revoke one of one's own tokens; another user's token is a 404 like a missing one."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request, pk):
        if pk > ID_MAX:
            raise Http404
        token = ApiToken.objects.filter(owner=request.user, pk=pk).first()
        if token is None:
            raise Http404
        return Response(ApiTokenSerializer(revoke_token(token)).data)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The personal tokens in the OpenAPI schema (registered when this module loads, with the URLconf)."""

    target_class = "creditcontrol.tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`cc_…`, see /api/tokens/): `Authorization: Bearer <secret>`.",
        }
