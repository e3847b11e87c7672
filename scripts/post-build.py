"""trunk post-build hook: an external loader with a start-up watchdog, and in release builds the
prerendered pages, minified JS glue and precompressed twins.

1. Replaces trunk's inline module loader with /boot-<hash>.js, so the page runs under a
   Content-Security-Policy of `script-src 'self' 'wasm-unsafe-eval'`, with no 'unsafe-inline'
   and no per-build hash to copy into the CDN's headers. The loader says so on the page, with a
   reload button, when WebAssembly is missing or the app fails to start within 10 s.
2. In release builds, minifies wasm-bindgen's JS glue with terser (55 KB -> ~25 KB raw,
   ~9 KB -> ~7 KB gzip) and updates its modulepreload integrity; minifies the loader too (terser)
   and leaves the comments out of the pages (index.html has them). (trunk's own `minify` would
   also rewrite the HTML: attributes reordered, empty ones dropped, which the deployers' meta tags
   can't have.) The stylesheet, minified (scripts/inline_style.py: 2.6 -> 2.1 KB gzip), goes into
   every page as a <style> element instead of a <link>: the first paint then waits for no request
   (a render-blocking stylesheet shared a phone's link with the wasm). The app draws every later
   route into the same document, so no page needs the file: it leaves the build. The CSP allows
   the element by its hash, written to csp-style-hash.txt (deploy/write-headers.sh reads it).
3. In release builds, writes the prerendered HTML of every page (src/bin/prerender.rs, built and
   run natively) from the finished index.html, so a first visit paints before the wasm runs; and
   under login-field/ the pages that differ where users sign in by username, for
   scripts/configure-dist.py.
4. In release builds, writes a gzip -9 twin (`name.gz`) and a brotli -q 11 twin (`name.br`) of
   each content-hashed file of 1 kB or more, for servers that send precompressed files (nginx
   `gzip_static` / `brotli_static`, deploy/nginx.conf) instead of compressing the wasm on every
   request. The HTML files get none: deployers edit them.
"""

import base64
import gzip
import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inline_style import csp_hash, minify_css  # noqa: E402

staging = os.environ["TRUNK_STAGING_DIR"]
source = os.environ["TRUNK_SOURCE_DIR"]
release = os.environ.get("TRUNK_PROFILE") == "release"
html_path = os.path.join(staging, "index.html")
with open(html_path, encoding="utf-8") as f:
    html = f.read()


def fail(message):
    sys.exit(f"post-build: {message}")


def integrity(data):
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def tool(name):
    path = os.path.join(source, ".tools", "node_modules", ".bin", name)
    if not os.access(path, os.X_OK):
        fail(f"{path} is missing: run scripts/setup.sh build")
    return path


# Minified HTML drops the quotes: <script type=module>.
pattern = re.compile(r'<script type="?module"?>(.*?)</script>', re.DOTALL)
inline = pattern.findall(html)
if len(inline) != 1:
    fail(f"expected one inline module script in index.html, found {len(inline)}")
glue_url = re.search(r"""from\s*['"](/[^'"]+\.js)['"]""", inline[0])
wasm_url = re.search(r"""['"](/[^'"]+_bg\.wasm)['"]""", inline[0])
if not glue_url or not wasm_url:
    fail("trunk's loader no longer names the JS glue and the wasm as expected")

# The app marks <html data-app="running"> after its first render. Until then the prerendered page
# shows, its forms unable to submit; if that lasts, say why instead of leaving it as it is.
with open(os.path.join(source, "scripts", "boot.js"), encoding="utf-8") as f:
    boot = f.read()
# Relative to the loader itself (which the pages name under their base path): the same build
# runs under any path (scripts/configure-dist.py).
code = (
    boot.replace("__GLUE__", "." + glue_url.group(1)).replace("__WASM__", "." + wasm_url.group(1))
).encode()
if release:
    code = subprocess.run(
        [tool("terser"), "--module", "--compress", "--mangle"], input=code, capture_output=True, check=True
    ).stdout
name = f"boot-{hashlib.sha256(code).hexdigest()[:16]}.js"
with open(os.path.join(staging, name), "wb") as f:
    f.write(code)
tag = f'<script type="module" src="/{name}" integrity="{integrity(code)}"></script>'
html = pattern.sub(lambda _: tag, html)

if release:
    preload = re.compile(r'(<link rel="?modulepreload"? href="?/([^" >]+\.js)"?[^>]*?integrity=")([^"]+)(")')
    links = preload.findall(html)
    if len(links) != 1:
        fail(f"expected one modulepreload link in index.html, found {len(links)}")
    glue = os.path.join(staging, links[0][1])
    subprocess.run(
        [tool("terser"), glue, "--module", "--compress", "--mangle", "--output", glue],
        check=True,
    )
    with open(glue, "rb") as f:
        minified = f.read()
    html = preload.sub(lambda m: m.group(1) + integrity(minified) + m.group(4), html)

    stylesheet = re.compile(r'<link rel="?stylesheet"? href="?/([^" >]+\.css)"?[^>]*>')
    links = stylesheet.findall(html)
    if len(links) != 1:
        fail(f"expected one stylesheet link in index.html, found {len(links)}")
    css_path = os.path.join(staging, links[0])
    with open(css_path, encoding="utf-8") as f:
        css = minify_css(f.read())
    if "</" in css:
        fail("the stylesheet has '</' in it, which would end its <style> element")
    os.remove(css_path)
    html = stylesheet.sub(lambda _: f"<style>{css}</style>", html)
    with open(os.path.join(staging, "csp-style-hash.txt"), "w", encoding="utf-8") as f:
        f.write(csp_hash(css) + "\n")
    html = re.sub(r"[ \t]*<!--.*?-->\n?", "", html, flags=re.DOTALL)

with open(html_path, "w", encoding="utf-8") as f:
    f.write(html)

if release:
    # The app's own features (TRUNK_BUILD_FEATURES, as the Makefile sets them) draw their pages too.
    features = ",".join(
        ["prerender"] + [f for f in os.environ.get("TRUNK_BUILD_FEATURES", "").split(",") if f.strip()]
    )
    # Natively, on the default toolchain: the release settings for the wasm must not reach it.
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "RUSTUP_TOOLCHAIN" and not k.startswith(("CARGO_UNSTABLE_", "CARGO_TARGET_WASM32"))
    }
    def prerender(into, *options):
        subprocess.run(
            ["cargo", "run", "--quiet", "--features", features, "--bin", "prerender", "--", into, *options],
            cwd=source,
            env=env,
            check=True,
        )

    prerender(staging)
    # The pages that differ where users sign in by username (the sign-in and registration forms),
    # both ways, so scripts/configure-dist.py can put either in place.
    with tempfile.TemporaryDirectory() as variant:
        with open(os.path.join(variant, "index.html"), "w", encoding="utf-8") as f:
            f.write(html)
        prerender(variant, "--login-field", "username")
        for name in sorted(os.listdir(variant)):
            if not name.endswith(".html"):
                continue
            pages = {}
            for field, folder in (("username", variant), ("email", staging)):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    pages[field] = f.read()
            if pages["username"] != pages["email"]:
                for field, page in pages.items():
                    os.makedirs(os.path.join(staging, "login-field", field), exist_ok=True)
                    with open(os.path.join(staging, "login-field", field, name), "w", encoding="utf-8") as f:
                        f.write(page)

    hashed = re.compile(r"^[^/]+-[0-9a-f]{1,16}(_bg)?\.[a-z0-9]+$")
    twins = []
    for name in sorted(os.listdir(staging)):
        path = os.path.join(staging, name)
        if hashed.match(name) and os.path.getsize(path) >= 1024:
            with open(path, "rb") as f:
                data = f.read()
            with open(path + ".gz", "wb") as f:
                f.write(gzip.compress(data, compresslevel=9, mtime=0))
            twins.append(path)
    # Brotli at quality 11 through Node's zlib (Node is already needed for wasm-opt and terser).
    subprocess.run(
        [
            "node",
            "-e",
            "const z = require('zlib'), fs = require('fs');"
            "for (const f of process.argv.slice(1)) fs.writeFileSync(f + '.br', z.brotliCompressSync("
            "fs.readFileSync(f), {params: {[z.constants.BROTLI_PARAM_QUALITY]: 11}}));",
            *twins,
        ],
        check=True,
    )
