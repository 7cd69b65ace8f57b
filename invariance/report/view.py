"""A written report in Jupyter: ``invariance.view_report("reports/")`` shows the self-contained
``invariance.html`` that ``invcheck report`` or ``invcheck atlas`` wrote, inline (``_repr_html_``), as a
:class:`~invariance.result.model.Result` shows itself."""

from __future__ import annotations

import html
from pathlib import Path

from invariance.errors import UsageError

__all__ = ["ReportView", "view_report"]


class ReportView:
    """A report page for Jupyter: an ``<iframe>`` holding the page (its styles and plots stay inside it)."""

    def __init__(self, page: str, path: str):
        self.page, self.path = page, path

    def _repr_html_(self) -> str:
        # the page's own links (#section) resolve against the notebook unless the frame says where it is
        page = self.page.replace("<head>", '<head><base href="about:srcdoc">', 1)
        return ('<iframe title="invcheck report" style="width:100%;height:80vh;border:1px solid #d0d7de" '
                f'srcdoc="{html.escape(page, quote=True)}"></iframe>')

    def __repr__(self) -> str:
        return f"ReportView({self.path!r})"


def view_report(path: str | Path = "reports") -> ReportView:
    """The report in ``path`` (the ``--out`` folder of ``invcheck report`` or ``invcheck atlas``, or its
    ``invariance.html``), for a notebook to show."""
    p = Path(path)
    if p.is_dir():
        p = p / "invariance.html"
    if not p.is_file():
        raise UsageError(f"no report at {p}; write one with `invcheck report TARGET… --out DIR` and give that DIR")
    if p.suffix != ".html":
        raise UsageError(f"{p} is not a report page; give the report's folder or its invariance.html")
    try:
        page = p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise UsageError(f"{p} is not a report page ({type(exc).__name__}); give the folder invcheck report "
                         "wrote, or its invariance.html") from None
    return ReportView(page, str(p))
