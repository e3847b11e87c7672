#!/usr/bin/env python3
"""The stylesheet the release pages carry inline, and its CSP hash.

Every prerendered page has the minified assets/style.css in one <style> element (so its first paint
waits for no request), allowed by `style-src 'self' 'sha256-…'` in every header set in deploy/.
scripts/post-build.py inlines it and writes the hash to dist/csp-style-hash.txt
(deploy/write-headers.sh reads it there); deploy/hosts/check.py checks that the configs in deploy/
carry the same hash.

    scripts/inline_style.py            prints the hash of assets/style.css as the build makes it
    scripts/inline_style.py --update   writes it into every config in deploy/ (after a CSS change)
"""

import base64
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The files in deploy/ whose CSP names the hash (write-headers.sh reads it from the build instead).
CONFIGS = [
    "deploy/nginx.conf",
    "deploy/nginx-subpath.conf",
    "deploy/nginx-proxy.conf",
    "deploy/hosts/vercel.json",
    "deploy/hosts/cloudfront-response-headers-policy.json",
]
# `style-src 'self' 'sha256-…'` in a CSP, the hash as group 1.
STYLE_SRC = re.compile(r"style-src 'self' ('sha256-[A-Za-z0-9+/=]+')")


def minify_css(css):
    """Comments and the spacing around punctuation out. Enough for assets/style.css, whose
    strings (font names, attribute values) hold no spacing or punctuation this would change."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    return re.sub(r":\s+", ":", css).replace(";}", "}").strip()


def csp_hash(text):
    """The CSP source expression that allows a <style> element with exactly `text` inside."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def source_hash():
    """The hash of assets/style.css as the release build inlines it."""
    with open(os.path.join(ROOT, "assets", "style.css"), encoding="utf-8") as f:
        return csp_hash(minify_css(f.read()))


def main():
    expected = source_hash()
    if sys.argv[1:] == ["--update"]:
        for name in CONFIGS:
            path = os.path.join(ROOT, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            updated, count = STYLE_SRC.subn(f"style-src 'self' {expected}", text)
            if count == 0:
                sys.exit(f"inline_style: no style-src 'self' 'sha256-…' in {name}")
            with open(path, "w", encoding="utf-8") as f:
                f.write(updated)
        print(f"inline_style: {expected} in {len(CONFIGS)} configs")
    elif not sys.argv[1:]:
        print(expected)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
