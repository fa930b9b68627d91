import pytest


@pytest.mark.embedded
def test_favicon_answers_at_the_root(client):
    """/favicon.ico, which browsers ask for on every page, is a real icon
    (no 404 in the console); pages also name it."""
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    assert body[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert "icon" in resp["Content-Type"]
