"""Evidence uploaded through the Django admin gets the same content check as on the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectification.models import Evidence
from tests.rectification.conftest import PNG

pytestmark = pytest.mark.django_db


def post(client, problem, upload):
    return client.post(
        reverse("admin:rectification_evidence_add"),
        {"problem": problem.pk, "file": upload, "original_name": "", "description": "照片"},
    )


def test_admin_upload_of_a_renamed_file_is_refused(make_problem, client_for):
    problem = make_problem()
    response = post(client_for("admin"), problem, SimpleUploadedFile("照片.jpg", b"MZ" * 50))
    assert response.status_code == 200
    assert "文件“照片.jpg”的内容不是JPG 图片" in response.content.decode()
    assert not Evidence.objects.exists()


def test_admin_upload_records_type_size_and_digest(make_problem, client_for):
    problem = make_problem()
    response = post(client_for("admin"), problem, SimpleUploadedFile("照片.png", PNG))
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        "照片.png",
        "image/png",
        len(PNG),
    )
    assert len(evidence.sha256) == 64
    assert "照片" not in evidence.file.name
