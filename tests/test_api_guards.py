"""Failures outside any one view still give API clients clear answers."""
import pytest

pytestmark = pytest.mark.django_db


def test_nul_in_query_parameters_is_a_400(api_client, user):
    api_client.force_login(user)
    for path in ["/api/v1/jobs?q=%00", "/api/v1/applications?status=a%00b", "/api/v1/events?channels=%00"]:
        response = api_client.get(path)
        assert response.status_code == 400, path
        assert "NUL" in response.json()["error"]


def test_huge_offsets_are_a_400_not_a_500(api_client, user):
    api_client.force_login(user)
    response = api_client.get("/api/v1/jobs?offset=6184259394300222821371545305521061888")
    assert response.status_code == 400
    assert "offset" in response.json()["error"]


def test_the_api_speaks_json_only(api_client, user):
    api_client.force_login(user)
    response = api_client.generic(
        "POST", "/api/v1/applications/1/status", b"--xyz--\r\n", content_type="multipart/form-data; boundary=xyz"
    )
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["error"]
