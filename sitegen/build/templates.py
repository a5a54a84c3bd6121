"""Templates: the Jinja2 environment of one site (its templates over the theme's), and the
errors Jinja raises turned into problems at the template's line.

The environment loads from the template sources read with the other inputs, so rendering
never touches the disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sitegen.errors import SitegenError, TemplateError
from sitegen.inputs import TemplateSet
from sitegen.prose import bare_html


class Templates:
    """The Jinja2 environment of one set of templates."""

    def __init__(self, templates: TemplateSet, root: Path) -> None:
        import jinja2

        self.templates = templates
        self.root = root
        self._shown = {source.filename: source.shown for source in templates.sources.values()}
        self.env = jinja2.Environment(
            loader=jinja2.FunctionLoader(self._load),
            autoescape=jinja2.select_autoescape(("html", "htm", "xml")),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        self.env.filters["bare"] = _bare

    def _load(self, name: str) -> tuple[str, str, Any] | None:
        source = self.templates.sources.get(name)
        if source is None:
            return None
        return source.text(), source.filename, lambda: True

    def exists(self, name: str) -> bool:
        """Whether a template of this name is in the site or the theme."""
        return name in self.templates.sources

    def render(self, name: str, context: Mapping[str, Any], used_by: str) -> str:
        """Render a template; Jinja errors become TemplateErrors at the template's line."""
        import jinja2

        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"template '{exc.name}' not found (used by {used_by})", used_by, None, None,
                f"put it in templates/ (searched: {', '.join(self._search_path())})",
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"template syntax error: {exc.message}", self._relative(exc.filename, exc.name),
                exc.lineno, None, f"while rendering {used_by}",
            ) from None
        except jinja2.UndefinedError as exc:
            path, line = self._template_frame(exc)
            raise TemplateError(
                f"undefined in template: {exc.message}", path or used_by, line, None,
                f"while rendering {used_by}; test optional values with 'is defined'",
            ) from None
        except SitegenError:
            raise
        except Exception as exc:  # noqa: BLE001 - a filter or a test raised inside the template
            path, line = self._template_frame(exc)
            raise TemplateError(
                f"template error: {type(exc).__name__}: {exc}", path or used_by, line, None,
                f"while rendering {used_by}",
            ) from None

    def _template_frame(self, exc: BaseException) -> tuple[str | None, int | None]:
        """The innermost template line in the traceback, as the site names the file."""
        place: tuple[str | None, int | None] = (None, None)
        traceback = exc.__traceback__
        while traceback is not None:
            filename = traceback.tb_frame.f_code.co_filename
            if filename in self._shown:
                place = (self._shown[filename], traceback.tb_lineno)
            traceback = traceback.tb_next
        return place

    def _relative(self, filename: str | None, name: str | None) -> str | None:
        if filename in self._shown:
            return self._shown[filename]
        return f"templates/{name}" if name else None

    def _search_path(self) -> list[str]:
        shown = []
        for folder in self.templates.search_path:
            try:
                shown.append(folder.relative_to(self.root).as_posix())
            except ValueError:
                shown.append("(theme) templates")
        return shown


def _bare(content: Any) -> Any:
    """The `bare` filter: page HTML with its values plain (no source link, mark or card), for
    places markup cannot go or cards would be noise (`page.content | bare | striptags`)."""
    from markupsafe import Markup

    if isinstance(content, Markup):
        return Markup(bare_html(str(content)))
    return bare_html(str(content))
