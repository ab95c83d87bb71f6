"""Offline bundle of a campaign: a static, bilingual catalogue for a USB stick or a school server.

Layout (every link relative, so it works from ``file://`` with no server)::

    index.html / index.ar.html           catalogue in French / Arabic (RTL), with search
    resources/<id>.fr.html, <id>.ar.html one page per resource and language
    files/<id>/<name>                    resource files the catalogue holds (if any)
    assets/style.css, search.js          no external font, script or network call
    assets/index-data.js                 the search index as a script (file:// forbids fetch)
    manifest.json                        campaign, resources, every file with SHA-256 and size
    SHA256SUMS                           ``sha256sum -c SHA256SUMS`` checks the whole stick

Every sentence comes from the one catalogue per language (:mod:`core.messages`): the
templates' ``_()`` and ``ngettext()`` read it, dates, sizes and plurals follow the CLDR
rules of the page's language (:mod:`core.formats`), values inside a sentence are
bidi-isolated (``<bdi>``). The count shown by the offline search is written with the
plural forms of the page's language too (``data-forms``, picked by ``Intl.PluralRules``).

The folder is built in a temporary directory beside its destination and moved
into place in one rename, so a half-written bundle is never left under the
final name; the zip is written the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from catalogue.errors import NotFound
from core import formats, messages
from core.clock import utcnow
from metadata_schemas.record import levels_of, subjects_of, title_of
from metadata_schemas.textnorm import fold

TEMPLATES = Path(__file__).parent / "bundle_templates"
FORMAT = "mawarid-offline-bundle/1"
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass
class BundleResult:
    folder: Path
    zip_path: Path | None
    resources: int
    files: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "zip": str(self.zip_path) if self.zip_path else None,
            "resources": self.resources,
            "files": self.files,
        }


#: The languages a bundle is written in (French first: index.html), each named in itself.
LANGUAGES = ("fr", "ar")
AUTONYMS = {"fr": "Français", "ar": "العربية"}


def _gettext(msgid: str) -> str:
    return messages.translations(messages.current_language()).gettext(msgid)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return messages.translations(messages.current_language()).ngettext(singular, plural, n)


def count_forms(lang: str, singular: str, plural: str) -> dict[str, str]:
    """The plural forms of a count message by CLDR category (``one``, ``few``…), ``{n}``
    standing for the number: what the bundle's script picks from with ``Intl.PluralRules``.

    Each category is filled from a number of that category (the catalogue's
    ``Plural-Forms`` and CLDR agree: both come from CLDR)."""
    rule = formats.locale(lang).plural_form
    forms: dict[str, str] = {}
    for n in range(1000):
        category = rule(n)
        if category not in forms:
            text = messages.translations(lang).ngettext(singular, plural, n)
            forms[category] = text.replace("%(num)d", "{n}")
        if len(forms) == len(rule.tags) + 1:
            break
    return forms


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _script_json(value: Any) -> str:
    # "</script>" or "<!--" inside a title must not end the script element.
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


class BundleBuilder:
    def __init__(
        self,
        resources: Any,
        campaigns: Any,
        vocabularies: Any,
        *,
        documents: Any,
        output_folder: Path,
        document_types: frozenset[str] = frozenset(),
        base_url: str = "",
    ) -> None:
        self.resources = resources
        self.campaigns = campaigns
        self.vocabularies = vocabularies
        self.documents = documents
        self.output_folder = Path(output_folder)
        self.document_types = document_types
        self.base_url = base_url
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html"]),
            keep_trailing_newline=True,
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
            gettext=_gettext, ngettext=_ngettext, newstyle=True
        )

    def build(
        self, code: str, *, destination: Path | None = None, make_zip: bool = False
    ) -> BundleResult:
        campaign = self.campaigns.get(code)
        out_root = Path(destination) if destination else self.output_folder
        out_root.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        final = out_root / f"{campaign.code}-{stamp}"
        work = Path(tempfile.mkdtemp(prefix=f".{campaign.code}-", dir=out_root))
        try:
            count = self._write(work, campaign, stamp)
            if final.exists():
                shutil.rmtree(final)
            os.replace(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        zip_path = self._zip(final) if make_zip else None
        files = sum(1 for p in final.rglob("*") if p.is_file())
        return BundleResult(folder=final, zip_path=zip_path, resources=count, files=files)

    # Content ---------------------------------------------------------------------------

    def _entries(self, campaign) -> list[dict[str, Any]]:
        entries = []
        for rid in campaign.resource_ids:
            try:
                view = self.resources.get(rid)
            except NotFound:
                continue  # deleted since selection: left out of the stick
            if view.status != "published":
                continue  # withdrawn since selection: never redistributed
            record = view.record or {}
            entries.append({"id": rid, "record": record})
        return entries

    def _term_labels(self, vocab: str, ids: list[str], lang: str) -> list[str]:
        out = []
        for term_id in ids:
            term = self.vocabularies[vocab].get(term_id)
            out.append(term.label(lang) if term is not None else term_id)
        return out

    def _page_data(self, entry: dict[str, Any], lang: str, files: list[dict]) -> dict[str, Any]:
        record = entry["record"]
        other = _other(lang)
        titles = record.get("general", {}).get("title", {})
        title = titles.get(lang) or title_of(record, lang)
        desc = record.get("general", {}).get("description", {})
        licence_id = record.get("rights", {}).get("licence")
        licence = None
        if licence_id:
            term = self.vocabularies["licence"].get(licence_id)
            licence = term.label(lang) if term is not None else licence_id
        return {
            "id": entry["id"],
            "title": title,
            "title_lang": lang if titles.get(lang) else next(iter(titles), lang),
            "other_title": titles.get(other) if titles.get(other) != title else None,
            "description": desc.get(lang) or next(iter(desc.values()), ""),
            "levels": self._term_labels("level", levels_of(record), lang),
            "subjects": self._term_labels("subject", subjects_of(record), lang),
            "licence": licence,
            "files": files,
            "links": [
                u
                for u in record.get("technical", {}).get("location", [])
                if u.startswith(("http://", "https://"))
            ],
        }

    def _search_key(self, entry: dict[str, Any]) -> str:
        record = entry["record"]
        general = record.get("general", {})
        parts = list(general.get("title", {}).values()) + list(
            general.get("description", {}).values()
        )
        for kw in general.get("keyword", []):
            parts.extend(kw.values())
        for vocab, ids in (("level", levels_of(record)), ("subject", subjects_of(record))):
            for lang in ("fr", "ar"):
                parts.extend(self._term_labels(vocab, ids, lang))
        return fold(" ".join(parts))

    def _copy_files(self, root: Path, rid: str) -> list[dict[str, Any]]:
        if not self.document_types or self.documents is None:
            return []
        docs = self.resources.documents_of(rid, types=self.document_types)
        out = []
        for n, doc in enumerate(docs, start=1):
            source = Path(self.documents.path(doc["sha256"]))
            if not source.is_file():
                continue
            name = _UNSAFE.sub("_", doc["filename"]).strip("._") or f"file-{n}"
            rel = f"files/{rid}/{n:02d}-{name}"
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            if _sha256(target) != doc["sha256"]:
                raise OSError(
                    f"document {doc['id']} of {rid} does not match its checksum; bundle aborted"
                )
            out.append(
                {"path": rel, "name": doc["filename"], "size": doc["size"], "sha256": doc["sha256"]}
            )
        return out

    def _write(self, root: Path, campaign, stamp: str) -> int:
        entries = self._entries(campaign)
        (root / "assets").mkdir()
        (root / "resources").mkdir()
        for asset in ("style.css", "search.js"):
            shutil.copyfile(TEMPLATES / asset, root / "assets" / asset)
        files = {e["id"]: self._copy_files(root, e["id"]) for e in entries}
        index = {
            "format": FORMAT,
            "campaign": campaign.code,
            "resources": [{"id": e["id"], "key": self._search_key(e)} for e in entries],
        }
        (root / "assets" / "index-data.js").write_text(
            "window.MAWARID_BUNDLE = " + _script_json(index) + ";\n", "utf-8"
        )
        channel = self.vocabularies["diffusion_channel"].get(campaign.channel)
        now = utcnow()
        generated = now.isoformat() + "Z"
        for lang in LANGUAGES:
            with messages.use_language(lang):
                self._write_language(root, lang, campaign, channel, entries, files, now)
        listing = sorted(p for p in root.rglob("*") if p.is_file())
        manifest = {
            "format": FORMAT,
            "generated_at": generated,
            "campaign": {
                "code": campaign.code,
                "title": campaign.title,
                "channel": campaign.channel,
                "targets": campaign.targets,
                "selection": campaign.selection,
            },
            "source": self.base_url or None,
            "resources": [
                {
                    "id": e["id"],
                    "title": e["record"].get("general", {}).get("title", {}),
                    "pages": {lang: f"resources/{e['id']}.{lang}.html" for lang in LANGUAGES},
                    "files": files[e["id"]],
                }
                for e in entries
            ],
            "files": [
                {
                    "path": p.relative_to(root).as_posix(),
                    "sha256": _sha256(p),
                    "size": p.stat().st_size,
                }
                for p in listing
            ],
        }
        (root / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8"
        )
        sums = [
            f"{_sha256(p)}  {p.relative_to(root).as_posix()}"
            for p in sorted(p for p in root.rglob("*") if p.is_file())
        ]
        (root / "SHA256SUMS").write_text("\n".join(sums) + "\n", "utf-8")
        return len(entries)

    def _write_language(
        self,
        root: Path,
        lang: str,
        campaign: Any,
        channel: Any,
        entries: list[dict[str, Any]],
        files: dict[str, list[dict[str, Any]]],
        now: Any,
    ) -> None:
        other = _other(lang)
        common = {
            "lang": lang,
            "dir": messages.text_direction(lang),
            "other_lang": other,
            "other_dir": messages.text_direction(other),
            "other_autonym": AUTONYMS[other],
            "list_sep": "، " if lang == "ar" else ", ",
        }
        pages = [self._page_data(e, lang, files[e["id"]]) for e in entries]
        for page in pages:
            for f in page["files"]:
                f["size_label"] = formats.format_size(f["size"], lang)
        index_name = _index(lang)
        forms = count_forms(lang, "%(num)d resource", "%(num)d resources")
        html = self.env.get_template("index.html").render(
            **common,
            campaign_title=campaign.title.get(lang) or next(iter(campaign.title.values())),
            campaign_code=campaign.code,
            channel_label=channel.label(lang) if channel is not None else campaign.channel,
            other_index=_index(other),
            resources=pages,
            count_forms=json.dumps(forms, ensure_ascii=False),
            generated=Markup('<bdi><time datetime="{}">{}</time></bdi>').format(
                now.isoformat() + "Z", formats.format_datetime(now, "long", lang)
            ),
        )
        (root / index_name).write_text(html, "utf-8")
        for page in pages:
            (root / "resources" / f"{page['id']}.{lang}.html").write_text(
                self.env.get_template("resource.html").render(
                    **common, r=page, index_page=index_name
                ),
                "utf-8",
            )

    def _zip(self, folder: Path) -> Path:
        target = folder.with_suffix(".zip")
        fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".zip", dir=folder.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                    zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def _other(lang: str) -> str:
    return next(other for other in LANGUAGES if other != lang)


def _index(lang: str) -> str:
    return "index.html" if lang == LANGUAGES[0] else f"index.{lang}.html"


def verify(folder: Path) -> list[str]:
    """Paths whose content no longer matches SHA256SUMS (empty when the bundle is intact)."""
    folder = Path(folder)
    bad = []
    listed = set()
    for line in (folder / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        listed.add(rel)
        path = folder / rel
        if not path.is_file() or _sha256(path) != digest:
            bad.append(rel)
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != "SHA256SUMS" and rel not in listed:
            bad.append(rel)
    return sorted(bad)
