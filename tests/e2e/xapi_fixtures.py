"""Helpers shared by the xAPI e2e tests."""
from api_client import ApiError
from tests.polling import eventually


def wait_enrolled(client, course_id):
    """Until the progress service knows the enrollment (the event is in flight until then)."""
    def known():
        try:
            return client.get(f"/api/v1/me/courses/{course_id}/progress")
        except ApiError as exc:
            assert exc.status == 404, exc
            return None
    return eventually(known, timeout=30)
