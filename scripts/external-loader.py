"""trunk post-build hook: move trunk's inline module loader into a file of its own.

With the loader in /boot-<hash>.js the page runs under a Content-Security-Policy of
`script-src 'self' 'wasm-unsafe-eval'`, with no 'unsafe-inline' and no per-build hash to copy
into the CDN's headers.
"""

import base64
import hashlib
import os
import re
import sys

staging = os.environ["TRUNK_STAGING_DIR"]
html_path = os.path.join(staging, "index.html")
with open(html_path, encoding="utf-8") as f:
    html = f.read()

# Minified HTML drops the quotes: <script type=module>.
pattern = re.compile(r'<script type="?module"?>(.*?)</script>', re.DOTALL)
inline = pattern.findall(html)
if len(inline) != 1:
    sys.exit(f"external-loader: expected one inline module script in index.html, found {len(inline)}")

code = inline[0].strip() + "\n"
digest = hashlib.sha384(code.encode()).digest()
name = f"boot-{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
    f.write(code)

integrity = "sha384-" + base64.b64encode(digest).decode()
tag = f'<script type="module" src="/{name}" integrity="{integrity}"></script>'
html = pattern.sub(lambda _: tag, html)
with open(html_path, "w", encoding="utf-8") as f:
    f.write(html)
