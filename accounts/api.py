"""Profile and token endpoints (thin: the writes live in accounts.services)."""
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import ApiTokenSerializer, CreatedTokenSerializer, ProfileSerializer
from core.errors import NotFound, PermissionDenied


class ProfileView(APIView):
    """GET/PATCH /api/v1/profile — the caller's own profile (bots read it to tailor resumes)."""

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(services.get_or_create_profile(request.user)).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request):
        serializer = ProfileSerializer(services.get_or_create_profile(request.user), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.save_profile(serializer)
        return Response(serializer.data)


class SessionOnlyView(APIView):
    """Managing tokens needs a logged-in browser session, never a token."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.auth is not None:
            raise PermissionDenied("Tokens are managed from a logged-in session, not with a token.")


class TokenListView(SessionOnlyView):
    """GET/POST /api/v1/tokens."""

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


class TokenDetailView(SessionOnlyView):
    """DELETE /api/v1/tokens/{id} revokes one of your tokens."""

    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        if not services.revoke_token(request.user, token_id):
            raise NotFound("No such active token.")
        return Response(status=status.HTTP_204_NO_CONTENT)
