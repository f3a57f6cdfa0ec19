"""Attachments in S3-compatible object storage: written by one process, read by another.

The server is moto's standalone S3 server, started by the suite; the app talks to it
through django-storages and boto3 exactly as it would to MinIO or a cloud bucket.
"""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import ContractAttachment
from tests.config.conftest import S3_CREDENTIALS, project_env, run_project
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% signed contract\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def _use_bucket(settings, monkeypatch, storage_url):
    """This process's default storage: the bucket, configured as the environment would."""
    import environ

    from config.production import s3_options

    for name, value in {"STORAGE_URL": storage_url, **S3_CREDENTIALS}.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(environ.Env()),
        },
    }


def _other_process(tmp_path, storage_url, code):
    env = project_env(tmp_path, STORAGE_URL=storage_url, **S3_CREDENTIALS)
    setup = (
        "import django, os, sys, hashlib; "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup(); "
        "from django.core.files.storage import default_storage; "
        "from django.core.files.base import ContentFile; "
    )
    result = run_project(["-c", setup + code], env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_storage_url_selects_s3_with_private_objects(settings_of):
    [storages] = settings_of(
        "STORAGES",
        STORAGE_URL="s3://mz-files/prod?endpoint_url=http://minio.intranet:9000&region_name=cn-1",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert storages["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "mz-files",
            "location": "prod",
            "endpoint_url": "http://minio.intranet:9000",
            "region_name": "cn-1",
            "access_key": "key",
            "secret_key": "secret",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


def test_the_aws_variables_select_s3_too(settings_of):
    [storages] = settings_of(
        "STORAGES", AWS_STORAGE_BUCKET_NAME="mz-files", AWS_S3_REGION_NAME="cn-north-1"
    )
    options = storages["default"]["OPTIONS"]
    assert (options["bucket_name"], options["region_name"], options["endpoint_url"]) == (
        "mz-files",
        "cn-north-1",
        None,
    )


def test_without_them_files_stay_on_local_disk(settings_of):
    [storages] = settings_of("STORAGES")
    assert storages["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_storage_url_that_is_not_s3_is_refused(tmp_path):
    result = run_project(["manage.py", "check"], project_env(tmp_path, STORAGE_URL="ftp://files/x"))
    assert result.returncode != 0
    assert "STORAGE_URL must read s3://BUCKET[/PREFIX]" in result.stderr


def test_an_upload_through_the_app_is_read_by_another_process(
    s3_bucket, settings, monkeypatch, client_for, staff_user, bureau, tmp_path
):
    storage_url, s3, bucket = s3_bucket
    _use_bucket(settings, monkeypatch, storage_url)
    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    client = client_for(staff_user)
    upload = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")

    response = client.post(
        f"/contracts/{contract.pk}/attachments/", {"title": "合同文本", "file": upload}
    )

    assert response.status_code == 302
    attachment = ContractAttachment.objects.get()
    name = f"contracts/{bureau.pk}/{contract.pk}/signed.pdf"
    assert attachment.file.name == name
    # The object is in the bucket, under the prefix, private.
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"media/{name}"]
    grants = s3.get_object_acl(Bucket=bucket, Key=f"media/{name}")["Grants"]
    assert [grant["Grantee"].get("URI") for grant in grants] == [None]
    # Another process, configured only by the environment, reads the same bytes.
    read = _other_process(
        tmp_path,
        storage_url,
        f"print(hashlib.sha256(default_storage.open({name!r}).read()).hexdigest())",
    )
    assert read == hashlib.sha256(PDF).hexdigest()


def test_a_file_written_by_another_process_downloads_through_the_app(
    s3_bucket, settings, monkeypatch, client_for, staff_user, bureau, tmp_path
):
    storage_url, _s3, _bucket = s3_bucket
    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    name = _other_process(
        tmp_path,
        storage_url,
        f"print(default_storage.save('contracts/{bureau.pk}/{contract.pk}/补充协议.pdf', "
        f"ContentFile({PDF!r})))",
    )
    _use_bucket(settings, monkeypatch, storage_url)
    assert default_storage.exists(name)
    attachment = ContractAttachment.objects.create(
        contract=contract, title="补充协议", file=name, uploaded_by=staff_user
    )

    response = client_for(staff_user).get(f"/contracts/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_a_second_upload_of_the_same_name_keeps_the_first(
    s3_bucket, settings, monkeypatch, client_for, staff_user, bureau
):
    storage_url, s3, bucket = s3_bucket
    _use_bucket(settings, monkeypatch, storage_url)
    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    client = client_for(staff_user)
    for content in (PDF, PDF + b"% amended\n"):
        upload = SimpleUploadedFile("signed.pdf", content, content_type="application/pdf")
        client.post(f"/contracts/{contract.pk}/attachments/", {"title": "合同文本", "file": upload})

    first, second = ContractAttachment.objects.order_by("pk")
    assert first.file.name != second.file.name
    assert first.file.open("rb").read() == PDF
    assert second.file.open("rb").read() == PDF + b"% amended\n"
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 2
