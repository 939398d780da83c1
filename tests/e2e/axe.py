"""Accessibility audits in the browser tests: the vendored axe-core, run inside the page.

axe-core is read from tests/e2e/vendor/ (see its README: version, source, licence), never
fetched. It is evaluated through the DevTools protocol rather than added as a <script> tag, so
a Content-Security-Policy on our pages could not block it and it leaves the DOM untouched.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
# WCAG 2.0/2.1/2.2 A and AA plus axe's best practices (landmarks, heading order, one h1...).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def audit(page: Any) -> list[dict[str, Any]]:
    """All axe violations on the page as it is now (every impact level)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate("options => window.axe.run(document, options)", RUN_OPTIONS)
    return list(result["violations"])


# axe reports an aria-describedby that points at no element only as "needs review" (the element
# might appear later); on our server-rendered pages it is always a bug: the help text or the
# error message is never read out. Same for label[for] and aria-labelledby.
_BROKEN_REFERENCES_JS = """() => {
  const broken = [];
  const attrs = ['aria-describedby', 'aria-labelledby', 'aria-controls', 'aria-errormessage'];
  for (const el of document.querySelectorAll('[' + attrs.join('],[') + '],label[for]')) {
    for (const attr of [...attrs, 'for']) {
      if (attr === 'for' && el.tagName !== 'LABEL') continue;
      const value = el.getAttribute(attr);
      if (!value) continue;
      for (const id of value.split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          const name = el.id ? '#' + el.id : el.tagName.toLowerCase();
          broken.push({target: [name], failureSummary: attr + '="' + id + '" names no element'});
        }
      }
    }
  }
  return broken;
}"""


def broken_references(page: Any) -> list[dict[str, Any]]:
    """An axe-shaped violation for every id reference that names no element on the page."""
    nodes = page.evaluate(_BROKEN_REFERENCES_JS)
    if not nodes:
        return []
    return [
        {
            "id": "broken-id-reference",
            "impact": "serious",
            "help": "ARIA and label references must name an element on the page",
            "nodes": nodes,
        }
    ]


def describe(label: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{label}: [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({len(violation['nodes'])} element(s))"
        )
        for node in violation["nodes"][:4]:
            summary = node["failureSummary"].splitlines()[-1]
            lines.append(f"    {' '.join(node['target'])}: {summary}")
    return "\n".join(lines)


class Auditor:
    """Collects the blocking violations of several pages, to report them all at once."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.seen: list[str] = []
        self.problems: list[str] = []

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        # A region being re-rendered (the builder's summary while it re-prices) is dimmed: audit
        # the page as the shopper reads it, once nothing is busy.
        self.page.locator('[aria-busy="true"]').first.wait_for(state="detached")
        violations = audit(self.page) + broken_references(self.page)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        self.seen.append(label)
        if blocking:
            self.problems.append(describe(f"{label} ({self.page.url})", blocking))

    def assert_clean(self) -> None:
        assert not self.problems, "serious or critical accessibility violations:\n" + "\n".join(
            self.problems
        )
