from __future__ import annotations

import shutil
import struct
import tempfile
import zlib
from io import BytesIO
from unittest import mock

from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from shortscience.accounts.ratelimit import limit_for
from shortscience.test import BaseTestCase, make_paper
from shortscience.uploads.models import Upload


def image_bytes(fmt: str, size=(8, 6), color=(200, 30, 30), **save) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height: a decompression bomb's calling card."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


class UploadTests(BaseTestCase):
    url = "/upload"

    def setUp(self):
        super().setUp()
        self.media = tempfile.mkdtemp()
        self.override = override_settings(MEDIA_ROOT=self.media)
        self.override.enable()

    def tearDown(self):
        self.override.disable()
        shutil.rmtree(self.media, ignore_errors=True)
        super().tearDown()

    def post(self, data: bytes, name="figure.png", json=True, **extra):
        file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        headers = {"HTTP_ACCEPT": "application/json"} if json else {}
        return self.client.post(self.url, {"file": file, **extra}, **headers)

    def stored(self, upload: Upload) -> Image.Image:
        with default_storage.open(upload.file.name) as f:
            return Image.open(BytesIO(f.read()))

    def test_a_member_uploads_a_png_and_gets_its_markdown(self):
        self.client.force_login(self.alice)
        r = self.post(image_bytes("PNG"), name="My [fig] 1.png")
        self.assertEqual(r.status_code, 200)
        upload = Upload.objects.get()
        self.assertEqual((upload.user, upload.width, upload.height), (self.alice, 8, 6))
        self.assertEqual(r.json()["url"], upload.url)
        self.assertTrue(upload.url.startswith("/media/uploads/"))
        self.assertEqual(r.json()["markdown"], f"![My fig 1]({upload.url})")
        self.assertEqual(self.stored(upload).format, "PNG")
        self.assertEqual(len(upload.sha256), 64)

    def test_a_plain_post_goes_back_and_shows_the_markdown(self):
        self.client.force_login(self.alice)
        paper = make_paper()
        back = f"/paper/{paper.pk}/summary/edit"
        r = self.post(image_bytes("PNG"), json=False, next=back)
        self.assertRedirects(r, back, fetch_redirect_response=False)
        upload = Upload.objects.get()
        shown = [str(m) for m in get_messages(r.wsgi_request)]
        self.assertIn(f"![figure]({upload.url})", shown[0])

    def test_it_never_redirects_off_the_site(self):
        self.client.force_login(self.alice)
        r = self.post(image_bytes("PNG"), json=False, next="https://evil.example/")
        self.assertEqual(r["Location"], "/")

    def test_jpeg_exif_is_stripped(self):
        exif = Image.Exif()
        exif[0x010F] = "SecretCam"  # Make
        exif[0x0110] = "Model X"  # Model
        exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
        self.client.force_login(self.alice)
        r = self.post(image_bytes("JPEG", exif=exif.tobytes()), name="photo.jpg")
        self.assertEqual(r.status_code, 200)
        upload = Upload.objects.get()
        with default_storage.open(upload.file.name) as f:
            raw = f.read()
        self.assertNotIn(b"SecretCam", raw)
        self.assertNotIn(b"Exif", raw)
        image = Image.open(BytesIO(raw))
        self.assertEqual(image.format, "JPEG")
        self.assertEqual(dict(image.getexif()), {})
        self.assertTrue(upload.file.name.endswith(".jpg"))

    def test_the_camera_rotation_is_applied_to_the_pixels(self):
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90 degrees
        self.client.force_login(self.alice)
        self.post(image_bytes("JPEG", size=(8, 6), exif=exif.tobytes()), name="photo.jpg")
        self.assertEqual((Upload.objects.get().width, Upload.objects.get().height), (6, 8))

    def test_an_animated_gif_keeps_its_first_frame(self):
        frames = [Image.new("P", (5, 5), i) for i in (1, 2, 3)]
        out = BytesIO()
        frames[0].save(
            out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0
        )
        self.client.force_login(self.alice)
        self.assertEqual(self.post(out.getvalue(), name="anim.gif").status_code, 200)
        image = self.stored(Upload.objects.get())
        self.assertEqual((image.format, getattr(image, "n_frames", 1)), ("GIF", 1))

    def test_webp_is_accepted(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.post(image_bytes("WEBP"), name="a.webp").status_code, 200)
        self.assertEqual(self.stored(Upload.objects.get()).format, "WEBP")

    def test_a_decompression_bomb_is_refused(self):
        self.client.force_login(self.alice)
        r = self.post(png_claiming(100_000, 100_000), name="bomb.png")
        self.assertEqual(r.status_code, 400)
        self.assertIn("pixels", r.json()["error"])
        self.assertFalse(Upload.objects.exists())

    def test_an_image_just_over_the_pixel_limit_is_refused(self):
        self.client.force_login(self.alice)
        with self.settings(UPLOAD_MAX_PIXELS=100):
            r = self.post(image_bytes("PNG", size=(11, 10)))
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Upload.objects.exists())

    def test_a_text_file_named_png_is_refused(self):
        self.client.force_login(self.alice)
        r = self.post(b"<svg onload=alert(1)>hello</svg>", name="evil.png")
        self.assertEqual(r.status_code, 400)
        self.assertIn("not a readable", r.json()["error"])
        self.assertFalse(Upload.objects.exists())

    def test_other_image_types_are_refused(self):
        self.client.force_login(self.alice)
        r = self.post(image_bytes("BMP"), name="old.png")
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Upload.objects.exists())

    def test_an_oversized_file_is_refused(self):
        self.client.force_login(self.alice)
        with self.settings(UPLOAD_MAX_BYTES=100):
            r = self.post(image_bytes("PNG", size=(50, 50), color=None) + b"\0" * 200)
        self.assertEqual(r.status_code, 400)
        self.assertIn("at most", r.json()["error"])
        self.assertFalse(Upload.objects.exists())

    def test_a_missing_file_is_a_clear_error(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {}, HTTP_ACCEPT="application/json")
        self.assertEqual(r.json()["error"], "Choose an image to upload.")

    def test_the_same_image_twice_is_stored_once(self):
        self.client.force_login(self.alice)
        first = self.post(image_bytes("PNG")).json()
        second = self.post(image_bytes("PNG")).json()
        self.assertEqual(first["url"], second["url"])
        self.assertEqual(Upload.objects.count(), 1)

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self.post(image_bytes("PNG"), json=False)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Upload.objects.exists())

    def test_it_needs_a_csrf_token(self):
        self.client.handler.enforce_csrf_checks = True
        self.client.force_login(self.alice)
        self.assertEqual(self.post(image_bytes("PNG")).status_code, 403)

    def test_it_only_answers_post(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_it_is_rate_limited_per_member(self):
        self.client.force_login(self.bob)
        capacity, _ = limit_for(self.bob, "upload")
        frozen = timezone.now()
        with mock.patch("shortscience.accounts.models.timezone.now", return_value=frozen):
            codes = [
                self.post(image_bytes("PNG", color=(i, 0, 0))).status_code
                for i in range(capacity + 1)
            ]
        self.assertEqual(codes[:capacity], [200] * capacity)
        self.assertEqual(codes[-1], 429)
        # Another member has a bucket of their own.
        self.client.force_login(self.charlie)
        self.assertEqual(self.post(image_bytes("PNG")).status_code, 200)

    def test_the_editor_has_an_upload_control(self):
        self.client.force_login(self.alice)
        r = self.client.get(f"/paper/{make_paper().pk}/summary/edit")
        self.assertContains(r, 'id="upload-form"')
        self.assertContains(r, 'action="/upload"')
        self.assertContains(r, 'enctype="multipart/form-data"')
