"""Forms as a browser fills them: hidden fields read off the page the form is on (the CSRF token,
the filing form's one-time nonce) and posted back with the fields a test gives."""
from __future__ import annotations

import re


def hidden_fields(client, url: str, *names: str) -> dict[str, str]:
    """The values of the hidden fields `names` on one display of the page at `url`."""
    page = client.get(url).get_data(as_text=True)
    values = {}
    for name in names:
        found = re.search(rf'name="{name}" value="([^"]+)"', page)
        assert found, f"no {name} on {url}: {page[:500]}"
        values[name] = found.group(1)
    return values


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on `url`."""
    return hidden_fields(client, url, "csrf_token")["csrf_token"]


def post(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """POST a form to `url` with the CSRF token taken from `page` (default: the same URL)."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, page or url)}, **kwargs)
