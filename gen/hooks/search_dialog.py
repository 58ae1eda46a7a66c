"""MkDocs hook: Material's search dialog gets an accessible name, in the page's language.

axe asks for a name on every dialog (aria-dialog-name); the search field's placeholder,
already in the page's language, names it.
"""

from __future__ import annotations

import re

import _support

DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
_PLACEHOLDER = re.compile(r'class="md-search__input"[^>]*placeholder="([^"]+)"')


def on_post_page(output, page, config):
    placeholder = _PLACEHOLDER.search(output)
    if placeholder is None or DIALOG not in output:
        _support.missing("Material search dialog", page.file.src_uri, "naming the dialog")
        return output
    return output.replace(DIALOG, DIALOG[:-1] + f' aria-label="{placeholder.group(1)}">', 1)
