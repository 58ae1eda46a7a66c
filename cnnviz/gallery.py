"""Which images the gallery shows: the samples, then the images an author adds.

An author adds images in two ways, and both feed the same list:

* by listing files under ``extra.cnnviz.gallery`` in ``mkdocs.yml``, relative to that file;
* by dropping files into the gallery folder, ``docs/assets/gallery/``.

Each image gets a slug for its page and figure folder. A slug is made of ASCII letters, digits
and hyphens only, so no file name, however odd, can reach a URL, a path or the page's markup.

What the folder may hold is checked before anything is read. Hidden files (``.name.png``, or
the ``._name.png`` that macOS leaves) are skipped. A symlink that leads out of the project is
refused, so that dropping a link to ``/etc/passwd`` or to a private photo publishes nothing;
listing its path under ``extra.cnnviz.gallery`` says that it is meant, and lets it in.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import one_line
from .jobs import Job
from .markup import alt_text, markdown_text, title_value
from .samples import sample_names, sample_path
from .settings import read_settings
from .stages import STAGES

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
"""File endings picked up from the gallery folder; a listed file may have any name."""


@dataclass(frozen=True)
class GalleryImage:
    """One image of the gallery.

    Attributes:
        slug: The page's and the figures' folder name: ASCII, unique, stable across machines.
        name: What the reader sees as the image's name: a sample's name or the file's name.
        sample: The sample's name, for a sample.
        path: The file, for an author's image.
        problem: Why the image is refused before anything is read, as one log line; its page
            then says that its figures could not be made.
    """

    slug: str
    name: str
    sample: str | None = None
    path: Path | None = None
    problem: str | None = None

    def params(self) -> dict[str, str]:
        """The recipe parameters that name this image as input."""
        return {"sample": self.sample} if self.sample else {"path": str(self.path)}


def gallery_images(root: Path, listed: Iterable[str], folder: Path) -> list[GalleryImage]:
    """List the gallery: the samples, the listed files, then the folder's images by name.

    Args:
        root: The folder listed paths are relative to (the one holding ``mkdocs.yml``).
        listed: File paths from ``extra.cnnviz.gallery``.
        folder: The drop-in folder; it may be missing.

    Returns:
        One entry per image, without repeats; a refused image carries its ``problem``.
    """
    images = [
        GalleryImage(slug=name.replace("_", "-"), name=name, sample=name) for name in sample_names()
    ]
    dropped = sorted(
        path
        for path in folder.glob("*")
        if path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
    )
    seen: set[str] = set()
    for path, explicit in [(root / item, True) for item in listed] + [(p, False) for p in dropped]:
        real = os.path.realpath(path)  # Path.resolve() raises on a symlink loop on Python 3.11
        if real in seen:
            continue
        seen.add(real)
        problem = None if explicit else _outside(path, real, root)
        images.append(GalleryImage(_slug(path, root), path.name, path=path, problem=problem))
    return images


def configured_gallery(
    extra: Mapping[str, Any], root: str | Path, docs_dir: str | Path
) -> list[GalleryImage]:
    """List the gallery an MkDocs configuration asks for, as :func:`gallery_images` does.

    Args:
        extra: The configuration's ``extra``; its ``cnnviz.gallery`` lists files.
        root: The folder holding ``mkdocs.yml``, which listed paths are relative to.
        docs_dir: The docs folder, whose ``assets/gallery/`` is the drop-in folder.

    Returns:
        The gallery's images.
    """
    listed = list(read_settings(extra).gallery)
    return gallery_images(Path(root), listed, Path(docs_dir) / "assets" / "gallery")


def _outside(path: Path, real: str, root: Path) -> str | None:
    if Path(real).is_relative_to(os.path.realpath(root)):
        return None
    return (
        f"{one_line(str(path))}: links outside the project (to {one_line(real)}), so it is not "
        "published; "
        "list it under extra.cnnviz.gallery in mkdocs.yml if it is meant to be"
    )


def _slug(path: Path, root: Path) -> str:
    real, project = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    # Outside the project, its absolute path still names it uniquely.
    where = real.relative_to(project).as_posix() if real.is_relative_to(project) else str(real)
    readable = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:32] or "image"
    return f"{readable}-{hashlib.sha256(where.encode()).hexdigest()[:8]}"


def gallery_jobs(images: Iterable[GalleryImage]) -> list[Job]:
    """List what the gallery needs rendered for each image.

    Args:
        images: The gallery, as :func:`gallery_images` lists it.

    Returns:
        Per image that is not refused: a thumbnail, the input and the three stages' maps (each
        also in the narrow layout phones get), and the table rows.
    """
    jobs = []
    for image in images:
        if image.problem:
            continue  # refused: nothing of it is read
        folder, params = f"gallery/{image.slug}", image.params()
        jobs += [
            Job(f"{folder}/thumbnail.png", "thumbnail", params),
            *(
                Job(f"{folder}/{figure}{suffix}.png", recipe, {**extra, **fixed})
                for figure, recipe, fixed in [
                    ("input", "input_image", {}),
                    *((stage, "feature_maps", {"stage": stage}) for stage in STAGES),
                ]
                for suffix, extra in (("", params), ("-narrow", {**params, "narrow": True}))
            ),
            Job(f"{folder}/rows.md", "stats_rows", params),
        ]
    return jobs


def gallery_files(
    images: Iterable[GalleryImage], results: Mapping[str, bytes], templates: Mapping[str, str]
) -> dict[str, bytes]:
    """Compose the gallery's files: its figures, and its pages in every language.

    Args:
        images: The gallery.
        results: The rendered bytes per job target, from :func:`cnnviz.jobs.run_jobs`.
        templates: The text of each file in ``gen/templates/``, by file name.

    Returns:
        The bytes of each file, by its path in the docs tree.
    """
    images = list(images)
    files = {target: data for target, data in results.items() if target.endswith(".png")}
    for language, strings in tomllib.loads(templates["gallery-strings.toml"]).items():
        cards = []
        for image in images:
            made = all(job.target in results for job in gallery_jobs([image]))
            complete = made and image.problem is None
            kind = "image" if complete else "missing"
            name = strings["names"].get(image.sample, image.name) if image.sample else image.name
            rows = results.get(f"gallery/{image.slug}/rows.md", b"").decode()
            files[f"gallery/{image.slug}.{language}.md"] = _fill(
                templates[f"gallery-{kind}.{language}.md"],
                title=title_value(name),
                heading=markdown_text(name),
                origin=strings["sample" if image.sample else "file"],
                scale=strings["robust" if _is_photo(image) else "peak"],
                size=_shrunk(strings["shrunk"], rows),
                alt=alt_text(name),
                slug=image.slug,
                rows=rows.rstrip("\n"),
            ).encode()
            cards.append(_card(image, name, strings["preview"], complete))
        index = templates[f"gallery-index.{language}.md"]
        files[f"gallery/index.{language}.md"] = _fill(index, cards="\n\n".join(cards)).encode()
    return files


def _card(image: GalleryImage, name: str, preview: str, with_thumbnail: bool) -> str:
    link = f"{image.slug}.md"
    title = f"[{markdown_text(name)}]({link})"
    if not with_thumbnail:
        return f"-   {title}"
    alt = alt_text(preview.format(name=name))
    return f"-   [![{alt}]({image.slug}/thumbnail.png)]({link})\n\n    {title}"


_INPUT_SHAPE = re.compile(r"^\| `input` \| +\| `\((\d+), (\d+)\)`", re.M)


def _shrunk(sentence: str, rows: str) -> str:
    """Say that the image was shrunk, and to what longer side, when its table lists the file's
    own shape (``original``) before the input's; otherwise nothing."""
    if "| `original` |" not in rows or not (shape := _INPUT_SHAPE.search(rows)):
        return ""
    return sentence.format(side=max(map(int, shape.groups())))


def _is_photo(image: GalleryImage) -> bool:
    """Whether the image's maps are scaled robustly, as the ``feature_maps`` recipe does."""
    return image.path is not None or sample_path(image.sample or "") is not None


def _fill(template: str, **values: str) -> str:
    """Replace each ``{{ name }}`` in a template; TeX's ``$`` signs are left alone."""
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda match: values[match.group(1)], template)
