"""Header images: only maintainers set them; what is stored is a fresh
encoding of a real image, bounded in bytes and pixels, without metadata;
shown on the collection's pages and in the index blurb."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.collections.models import Collection

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db

URL = "/collections/salt_fest/header_image"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def login(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def jpeg_with_exif(size=(1600, 400)) -> bytes:
    image = Image.new("RGB", size, (10, 80, 160))
    exif = Image.Exif()
    exif[0x013B] = "Secret Artist Name"  # Artist
    exif[0x010F] = "SpyCam Maker"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(data: bytes, name="header.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def owner(db):
    return UserFactory(username="harbour_owner")


@pytest.fixture
def fest(owner):
    return make_collection(owner=owner)


def test_a_maintainer_uploads_an_image_stored_reencoded_without_metadata(
    owner, fest, django_capture_on_commit_callbacks
):
    moderator = UserFactory(username="fest_moderator")
    services.maintainer_add(user=owner, collection=fest, username="fest_moderator")
    data = jpeg_with_exif()
    response = login(moderator).post(URL, {"header_image": upload(data)})
    assert response.status_code == 302
    fest = Collection.objects.get(pk=fest.pk)
    stored = default_storage.open(fest.header_image.name).read()
    assert stored != data and b"Secret Artist Name" not in stored and b"SpyCam" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and max(image.size) == 1200
    assert not image.getexif()
    src = fest.header_image.url
    for path in ("/collections", "/collections/salt_fest", "/collections/salt_fest/profile",
                 "/collections/salt_fest/works", "/collections/salt_fest/fandoms"):
        page = BeautifulSoup(Client().get(path).content.decode(), "html.parser")
        assert page.select_one(f'#main img[src="{src}"]') is not None, path
    blurb = BeautifulSoup(Client().get("/collections").content.decode(), "html.parser")
    assert blurb.select_one("li.collection.picture.blurb div.header.module img")["src"] == src
    # Replacing it removes the old file; removing it removes the new one.
    with django_capture_on_commit_callbacks(execute=True):
        login(owner).post(URL, {"header_image": upload(jpeg_with_exif((300, 200)))})
    assert not default_storage.exists(fest.header_image.name)
    newer = Collection.objects.get(pk=fest.pk).header_image.name
    with django_capture_on_commit_callbacks(execute=True):
        login(owner).post(URL, {"remove": "1"})
    assert not default_storage.exists(newer)
    assert not Collection.objects.get(pk=fest.pk).header_image


def test_transparent_png_stays_png(owner, fest):
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    login(owner).post(URL, {"header_image": upload(out.getvalue(), "h.png", "image/png")})
    stored = default_storage.open(Collection.objects.get(pk=fest.pk).header_image.name).read()
    assert Image.open(io.BytesIO(stored)).format == "PNG"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<html><script>alert(1)</script></html>", "must be a JPEG, PNG, GIF or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "must be a JPEG, PNG, GIF or WebP"),
        (b"\xff\xd8" + b"x" * (1024 * 1024 + 10), "larger than 1 MB"),
    ],
)
def test_what_is_not_a_bounded_image_is_refused(owner, fest, data, message):
    response = login(owner).post(URL, {"header_image": upload(data, "evil.png", "image/png")})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Collection.objects.get(pk=fest.pk).header_image


def test_too_many_pixels_is_refused_before_decoding(owner, fest):
    # A 5,000 × 5,000 one-colour PNG: a small file, 25 million pixels.
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 1024 * 1024
    response = login(owner).post(URL, {"header_image": upload(out.getvalue(), "b.png")})
    assert response.status_code == 400 and "too many pixels" in response.content.decode()


def test_only_maintainers_may_set_it(fest, reader):
    assert login(reader).post(URL, {"header_image": upload(jpeg_with_exif())}).status_code == 403
    assert Client().post(URL, {"header_image": upload(jpeg_with_exif())}).status_code == 302
    assert not Collection.objects.get(pk=fest.pk).header_image
