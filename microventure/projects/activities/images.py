"""Activity photos and scanned sign-in sheets: checked with Pillow, turned upright, shrunk and
re-encoded as JPEG without any metadata (phone photos carry the GPS position of the place and
often of the photographer's home), then written under the upload root."""

import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from microventure.core import files
from microventure.core.errors import DomainError
from microventure.core.timeutil import local_today
from microventure.projects.models import FilePurpose, ProjectFile

MAX_SIDE = 1600  # px, the longest side of a stored photo
THUMB_SIDE = 320  # px, the longest side of its thumbnail
SHEET_SIDE = 2400  # px, a sign-in sheet keeps handwriting legible
MAX_PIXELS = 60_000_000  # decoded pixels; the largest phone cameras stay below it
QUALITY = 85
FORMATS = {"JPEG", "PNG"}
PHOTO_KINDS = {files.FileKind.IMAGE_JPEG, files.FileKind.IMAGE_PNG}
SHEET_KINDS = {files.FileKind.PDF, *PHOTO_KINDS}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class CleanPhoto:
    """A photo checked and re-encoded in memory, not yet written anywhere."""

    name: str  # the user's file name, ending in .jpg
    image: bytes
    thumbnail: bytes


def read_upload(upload: FileStorage, *, field: str) -> tuple[str, bytes]:
    """The upload's display name and bytes; refused when empty or over the upload limit."""
    name = files.display_name(upload.filename)
    limit = files.max_bytes()
    data = upload.stream.read(limit + 1)
    if not data:
        raise DomainError(_l("%(name)s is empty.", name=name), field=field)
    if len(data) > limit:
        raise DomainError(
            _l(
                "%(name)s is larger than the limit of %(limit)s.",
                name=name,
                limit=f"{limit / files.MB:.1f}".removesuffix(".0") + " MB",
            ),
            field=field,
        )
    return name, data


def _open(data: bytes, name: str, field: str) -> Image.Image:
    """The decoded image, refused unless it really is a JPEG or PNG of a sane pixel count."""
    not_a_photo = DomainError(
        _l("%(name)s is not a JPEG or PNG photo.", name=name),
        field=field,
    )
    if files.detect_kind(data[:8]) not in PHOTO_KINDS:
        raise not_a_photo
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            if probe.format not in FORMATS:
                raise not_a_photo
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise DomainError(
                    _l(
                        "%(name)s has too many pixels (%(width)s × %(height)s); "
                        "take the photo at a lower resolution.",
                        name=name,
                        width=width,
                        height=height,
                    ),
                    field=field,
                )
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: less memory
        image.load()
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise DomainError(
            _l("%(name)s has too many pixels; take the photo at a lower resolution.", name=name),
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_a_photo from None
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    # The embedded colour profile is dropped with the metadata, so convert the pixels to sRGB
    # first (an iPhone's Display P3 photo would otherwise look washed out).
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: keep the pixels as they are


def _upright_rgb(image: Image.Image) -> Image.Image:
    upright = _to_srgb(ImageOps.exif_transpose(image) or image)
    if upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))  # transparency becomes white
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return upright.convert("RGB")


def _jpeg(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    copy.info = {}  # Pillow writes a JPEG comment, XMP or ICC profile still found in ``info``
    out = io.BytesIO()
    # No exif=, icc_profile=, xmp= or comment= argument: nothing of the original is carried over.
    copy.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def jpeg_name(name: str) -> str:
    stem = PurePosixPath(name).stem or "photo"
    return f"{stem}.jpg"


def clean_photo(upload: FileStorage, *, field: str = "photos") -> CleanPhoto:
    """Check one uploaded photo and re-encode it (≤ MAX_SIDE) with its thumbnail (≤ THUMB_SIDE)."""
    name, data = read_upload(upload, field=field)
    with _open(data, name, field) as image:
        rgb = _upright_rgb(image)
    return CleanPhoto(jpeg_name(name), _jpeg(rgb, MAX_SIDE), _jpeg(rgb, THUMB_SIDE))


def clean_sign_in_sheet(upload: FileStorage, *, field: str = "sign_in_sheet") -> FileStorage:
    """A sign-in sheet ready for ``store_project_file``: a PDF as it is, a photo or scan
    re-encoded without metadata. Anything else is refused."""
    name, data = read_upload(upload, field=field)
    kind = files.detect_kind(data[:8])
    if kind not in SHEET_KINDS:
        raise DomainError(
            _l("Upload the sign-in sheet as a PDF or a JPEG/PNG photo."),
            field=field,
        )
    if kind is files.FileKind.PDF:
        stem = PurePosixPath(name).stem or "sign-in-sheet"
        return FileStorage(io.BytesIO(data), filename=f"{stem}.pdf")
    with _open(data, name, field) as image:
        cleaned = _jpeg(_upright_rgb(image), SHEET_SIDE)
    return FileStorage(io.BytesIO(cleaned), filename=jpeg_name(name))


def _new_key(suffix: str = "") -> str:
    today = local_today()
    return f"{today.year:04d}/{today.month:02d}/{uuid.uuid4().hex}{suffix}.jpg"


def write(data: bytes, key: str) -> None:
    """Write a file under the upload root, tied to the transaction like ``core.files``'s."""
    files.write_stored(key, data)


def store_photo(
    photo: CleanPhoto, *, project_id: int, activity_id: int, position: int, uploaded_by_id: int
) -> ProjectFile:
    """Write a cleaned photo and its thumbnail; the caller adds the returned row."""
    key = _new_key()
    thumb_key = key.removesuffix(".jpg") + "-thumb.jpg"
    write(photo.image, key)
    write(photo.thumbnail, thumb_key)
    return ProjectFile(
        project_id=project_id,
        purpose=FilePurpose.PHOTO,
        activity_id=activity_id,
        position=position,
        storage_key=key,
        thumbnail_key=thumb_key,
        original_name=photo.name,
        file_type=files.FileKind.IMAGE_JPEG.value,
        size=len(photo.image),
        sha256=hashlib.sha256(photo.image).hexdigest(),
        uploaded_by_id=uploaded_by_id,
    )
