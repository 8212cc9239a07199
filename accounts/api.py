"""Profile and token endpoints (thin: the writes live in accounts.services)."""
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import ApiTokenSerializer, CreatedTokenSerializer, ProfileSerializer
from core.errors import NotFound


class ProfileView(APIView):
    """GET/PATCH /api/v1/profile — the caller's own profile (bots read it to tailor resumes)."""

    token_scopes = {"GET": ("bot",)}

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(services.get_or_create_profile(request.user)).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request):
        serializer = ProfileSerializer(services.get_or_create_profile(request.user), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.save_profile(serializer)
        return Response(serializer.data)


class TokenListView(APIView):
    """GET/POST /api/v1/tokens (a logged-in session: no token_scopes, so never a token)."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        return Response(ApiTokenSerializer(request.user.api_tokens.all(), many=True).data)

    @extend_schema(request=ApiTokenSerializer, responses={201: CreatedTokenSerializer})
    def post(self, request):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = services.create_token(request.user, **serializer.validated_data)
        data = CreatedTokenSerializer(token).data
        data["token"] = raw
        return Response(data, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    """DELETE /api/v1/tokens/{id} revokes one of your tokens (a logged-in session only)."""

    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        if not services.revoke_token(request.user, token_id):
            raise NotFound("No such active token.")
        return Response(status=status.HTTP_204_NO_CONTENT)
