"""trunk post-build hook: an external loader, and minified JS glue in release builds.

1. Moves trunk's inline module loader into /boot-<hash>.js, so the page runs under a
   Content-Security-Policy of `script-src 'self' 'wasm-unsafe-eval'`, with no 'unsafe-inline'
   and no per-build hash to copy into the CDN's headers.
2. In release builds, minifies wasm-bindgen's JS glue with terser (55 KB -> ~25 KB raw,
   ~9 KB -> ~7 KB gzip) and updates its modulepreload integrity.
3. In release builds, writes a gzip -9 twin (`name.gz`) of each content-hashed file of 1 kB or
   more, for servers that send precompressed files (nginx `gzip_static`, deploy/nginx.conf)
   instead of compressing the wasm on every request. index.html gets none: deployers edit it.
"""

import base64
import gzip
import hashlib
import os
import re
import subprocess
import sys

staging = os.environ["TRUNK_STAGING_DIR"]
html_path = os.path.join(staging, "index.html")
with open(html_path, encoding="utf-8") as f:
    html = f.read()


def fail(message):
    sys.exit(f"post-build: {message}")


def integrity(data):
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


# Minified HTML drops the quotes: <script type=module>.
pattern = re.compile(r'<script type="?module"?>(.*?)</script>', re.DOTALL)
inline = pattern.findall(html)
if len(inline) != 1:
    fail(f"expected one inline module script in index.html, found {len(inline)}")

code = (inline[0].strip() + "\n").encode()
name = f"boot-{hashlib.sha256(code).hexdigest()[:16]}.js"
with open(os.path.join(staging, name), "wb") as f:
    f.write(code)
tag = f'<script type="module" src="/{name}" integrity="{integrity(code)}"></script>'
html = pattern.sub(lambda _: tag, html)

if os.environ.get("TRUNK_PROFILE") == "release":
    preload = re.compile(r'(<link rel="?modulepreload"? href="?/([^" >]+\.js)"?[^>]*?integrity=")([^"]+)(")')
    links = preload.findall(html)
    if len(links) != 1:
        fail(f"expected one modulepreload link in index.html, found {len(links)}")
    glue = os.path.join(staging, links[0][1])
    terser = os.path.join(os.environ["TRUNK_SOURCE_DIR"], ".tools", "node_modules", ".bin", "terser")
    if not os.access(terser, os.X_OK):
        fail(f"{terser} is missing: run scripts/setup.sh build")
    subprocess.run(
        [terser, glue, "--module", "--compress", "--mangle", "--output", glue],
        check=True,
    )
    with open(glue, "rb") as f:
        minified = f.read()
    html = preload.sub(lambda m: m.group(1) + integrity(minified) + m.group(4), html)

    hashed = re.compile(r"^[^/]+-[0-9a-f]{1,16}(_bg)?\.[a-z0-9]+$")
    for name in sorted(os.listdir(staging)):
        path = os.path.join(staging, name)
        if hashed.match(name) and os.path.getsize(path) >= 1024:
            with open(path, "rb") as f:
                data = f.read()
            with open(path + ".gz", "wb") as f:
                f.write(gzip.compress(data, compresslevel=9, mtime=0))

with open(html_path, "w", encoding="utf-8") as f:
    f.write(html)
