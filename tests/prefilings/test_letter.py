import hashlib
import subprocess

import pytest

from prefilings.models import PreFilingLetter
from prefilings.tasks import prefiling_letter_render_task


@pytest.fixture(scope="module", autouse=True)
def _fonts():
    from letters import rendering
    from letters.fonts import prepare_fonts

    prepare_fonts()
    rendering.warm()


class TestRegistrationLetter:
    def test_task_renders_the_pdf_once_with_its_hash(self, registered, tmp_path):
        """The task stores the PDF and its SHA-256; the text names the measure and the filing number."""
        letter = PreFilingLetter.objects.get(prefiling=registered)
        assert prefiling_letter_render_task(letter.pk) == "ready"
        letter.refresh_from_db()
        data = letter.file.read()
        assert data.startswith(b"%PDF")
        assert letter.sha256 == hashlib.sha256(data).hexdigest()
        path = tmp_path / "l.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout.replace(" ", "")
        assert "报备受理决定书" in text
        assert registered.title in text
        assert "怀容备〔2026〕第0001号" in text
        # Run twice: nothing rendered or recorded again.
        assert prefiling_letter_render_task(letter.pk) == "ready"
        assert registered.events.filter(kind="letter_ready").count() == 1

    def test_download_only_for_those_who_may_see_the_filing(self, registered, client, users):
        """The unit and the jurisdiction's staff download it; another unit's cadre gets a 404."""
        letter = PreFilingLetter.objects.get(prefiling=registered)
        prefiling_letter_render_task(letter.pk)
        url = f"/prefilings/{registered.pk}/letter/"
        for name, expected in (("applicant", 200), ("inspector1", 200), ("committee1", 200),
                               ("applicant2", 404), ("km_inspector", 404)):
            client.force_login(users[name])
            response = client.get(url)
            assert response.status_code == expected, name
            if expected == 200:
                assert response["X-Content-SHA256"] == PreFilingLetter.objects.get(pk=letter.pk).sha256
        client.force_login(users["applicant"])
        assert client.get(f"/api/v1/prefilings/{registered.pk}/letter/").status_code == 200

    def test_not_downloadable_before_it_is_ready(self, registered, client, users):
        """A pending letter is a 404, not an empty file."""
        client.force_login(users["applicant"])
        assert client.get(f"/prefilings/{registered.pk}/letter/").status_code == 404
