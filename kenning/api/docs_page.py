"""/docs as one self-contained HTML page rendered from the OpenAPI schema.

FastAPI's Swagger UI loads its scripts from a CDN; kenning must work offline and make no
requests the user did not ask for, so the reference is plain HTML with no scripts at all.
"""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}" \
         "code{background:#f3f3f3;padding:0 .25rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}"


def render_docs(schema: dict[str, Any]) -> str:
    info = schema.get("info", {})
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(info.get('title', 'API'))}</title>",
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{escape(info.get('title', ''))} {escape(info.get('version', ''))}</h1>",
             "<p>Machine-readable schema: <a href='/openapi.json'>/openapi.json</a>. Errors are always "
             "<code>{\"error\": {\"type\", \"message\"}}</code>.</p>"]
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            parts.append(f"<h2><code>{method.upper()} {escape(path)}</code></h2>")
            parts.append(f"<p>{escape(op.get('description') or op.get('summary') or '')}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<ul>")
                for p in params:
                    kind = p.get("schema", {}).get("type", "")
                    note = escape(p.get("description", ""))
                    parts.append(f"<li><code>{escape(p['name'])}</code> ({p['in']}, {kind}) {note}</li>")
                parts.append("</ul>")
            codes = ", ".join(sorted(op.get("responses", {})))
            parts.append(f"<p>Responses: {escape(codes)}</p>")
    parts.append("</body></html>")
    return "".join(parts)
