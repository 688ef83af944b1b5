"""The instructor's guide on the site: ``docs/*.md`` rendered into ``site/guide/``.

The pages are written for GitHub, which shows them beside the code, and read the same
on the site: links between them (``running-a-class.md#grading-a-class``) go to the
rendered pages with GitHub's heading anchors, their pictures are copied along, and a
link to one of the repository's files goes to it on GitHub (or is left as plain text
when the course has no repository address).
"""
import re
import shutil
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment
from markupsafe import Markup
from nbconvert.filters.markdown_mistune import MarkdownWithMath

FOLDER = "guide"       # site/guide/: one page per docs/*.md, docs/index.md its contents
DOCS = "docs"


def slug(text):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def guide_renderer(base):
    """``base`` (the site's Markdown renderer, equations as MathML) with GitHub's heading anchors."""
    class GuideRenderer(base):
        def heading(self, text, level, **attrs):
            anchor = slug(BeautifulSoup(text, "html.parser").get_text())
            return (f'<h{level} id="{anchor}">{text}<a class="anchor-link" href="#{anchor}">¶</a>'
                    f"</h{level}>\n")

    return GuideRenderer


def title(markdown):
    """The page's first ``# `` heading."""
    return next(line[2:].strip() for line in markdown.splitlines() if line.startswith("# "))


def _is_external(url):
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc) or url.startswith(("#", "/"))


def relink(body, page, docs, repository):
    """``body`` with its links and pictures made to work on the site, its comments left out; returns
    ``(html, pictures)``, the pictures as paths relative to ``docs``."""
    soup = BeautifulSoup(body, "html.parser")
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()   # notes for the page's tests and editors (the walkthrough's step marks)
    pictures = set()
    for image in soup.find_all("img", src=True):
        if not _is_external(image["src"]):
            pictures.add(str(PurePosixPath(page).parent / image["src"]))
    for link in soup.find_all("a", href=True):
        href = link["href"]
        if _is_external(href):
            continue
        path, _, fragment = href.partition("#")
        target = (docs / PurePosixPath(page).parent / path).resolve()
        if path.endswith(".md") and target.parent == docs.resolve() and target.exists():
            link["href"] = path[:-3] + ".html" + (f"#{fragment}" if fragment else "")
        elif repository and target.is_relative_to(docs.parent.resolve()) and target.exists():
            link["href"] = f"https://github.com/{repository}/blob/HEAD/{target.relative_to(docs.parent.resolve())}"
        else:
            link.unwrap()   # a file the site does not have: the words stay, the link goes
    return str(soup), pictures


def _in_reading_order(docs):
    """docs/*.md: index.md first, then the pages in the order it links them, then the others by name."""
    pages = sorted(docs.glob("*.md"))
    index = docs / "index.md"
    linked = re.findall(r"\]\(([\w-]+\.md)\)", index.read_text(encoding="utf-8")) if index.exists() else []
    order = {name: rank for rank, name in enumerate(["index.md", *linked])}
    return sorted(pages, key=lambda page: (order.get(page.name, len(order)), page.name))


def build_guide(course, out, template, stylesheet, renderer):
    """Write ``out/guide/`` from ``course.root/docs`` with the Markdown ``renderer`` class; return
    the pages' ``[(title, href)]``, the guide's contents (docs/index.md) first, or [] when the
    course has no docs/."""
    repository = course.config.repository
    docs = course.root / DOCS
    target = out / FOLDER
    if target.exists():
        shutil.rmtree(target)
    pages = _in_reading_order(docs) if docs.is_dir() else []
    if not pages:
        return []
    target.mkdir()
    markdown = MarkdownWithMath(renderer=guide_renderer(renderer)(escape=False))
    written = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        body, pictures = relink(markdown.render(text), page.name, docs, repository)
        for picture in sorted(pictures):
            source = (docs / picture).resolve()
            if not source.is_relative_to(docs.resolve()) or not source.is_file():
                raise ValueError(f"{DOCS}/{page.name} shows {picture}, which is not a file in {DOCS}/")
            (target / picture).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / picture)
        href = page.with_suffix(".html").name
        (target / href).write_text(template.render(body=Markup(body), title=title(text),
                                                   stylesheet=f"../{stylesheet}", course=course.config.name,
                                                   contents=page.name != "index.md"), encoding="utf-8")
        written.append((title(text), f"{FOLDER}/{href}"))
    return written
