#!/usr/bin/env python3
"""Configures a release build for its deployment, without rebuilding: one command for every page.

    scripts/configure-dist.py dist --api https://api.example.com [--auth-header JWT]
        [--api-prefix /api/v1/auth/] [--login-field username] [--app-name "Acme"] [--base /account/]
        [--social google-oauth2,github,oidc="Acme ID"]

--api same-origin: the app calls the API on its own origin (served beside it, deploy/nginx-proxy.conf).

Sets the meta tags the app reads (README.md, Configuration) in every dist/*.html page; only the
options given change, the rest stay as the pages have them, so it can be run again at any time.
Besides the tags:
  --base         moves every URL the pages name (stylesheet, icon, loader, JS glue, wasm, the
                 prerendered links) and the routes in _redirects under the new base path;
  --login-field  puts the prerendered sign-in and registration pages for it in place (the build
                 keeps both kinds in dist/login-field/);
  --app-name     goes into the prerendered titles and card headers too;
  --social       puts the build with social sign-in in place (make build keeps it in dist/social/:
                 its wasm, its pages, the /oauth-callback page): a deployment without providers
                 loads nothing of it. Setting it empty later leaves that build in place (with no
                 buttons); start from a fresh copy of the build for the one without it.
Each value is checked as the app checks it; a bad one stops the script before anything is written.
"""

import argparse
import html
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inline_style import csp_hash  # noqa: E402

# option -> meta tag
TAGS = {
    "api": "djoser-api-base",
    "auth_header": "djoser-auth-header",
    "api_prefix": "djoser-api-prefix",
    "login_field": "djoser-login-field",
    "app_name": "app-name",
    "base": "app-base-path",
    "social": "djoser-social-providers",
}
# Tags a page may lack (a build without them): added when set.
OPTIONAL = {"djoser-social-providers"}
MAX_APP_NAME_CHARS = 60
BRAND = '<span class="brand-mark"></span>'


def plain_dir(path):
    return (
        re.fullmatch(r"[A-Za-z0-9/._~-]+", path) is not None
        and path.startswith("/")
        and path.endswith("/")
        and "//" not in path
        and all(segment not in (".", "..") for segment in path.split("/"))
    )


def problem(option, value):
    """What is wrong with `value` for `option` (the app's own checks, src/config.rs), or None."""
    if option == "api":
        ok = value in ("", "same-origin") or re.fullmatch(r"https?://[^\s\"'<>\\?#@/]+(/[^\s\"'<>\\?#@]*)?", value)
        return None if ok else "should be an http(s) address such as https://api.example.com, or same-origin"
    if option == "auth_header":
        return None if re.fullmatch(r"[A-Za-z0-9_-]+", value) else "should be one word, such as JWT or Bearer"
    if option in ("api_prefix", "base"):
        return None if plain_dir(value) else "should be a path that starts and ends with /, such as /auth/ or /account/"
    if option == "login_field":
        return None if value in ("email", "username") else "should be email or username"
    if option == "app_name":
        ok = value and len(value) <= MAX_APP_NAME_CHARS and value.isprintable()
        return None if ok else f"should be one line of 1 to {MAX_APP_NAME_CHARS} characters"
    if option == "social":
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        ok = all(
            re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", entry.partition("=")[0].strip())
            and len(entry.partition("=")[2].strip()) <= MAX_APP_NAME_CHARS
            and entry.partition("=")[2].isprintable()
            for entry in entries
        )
        return None if ok else "should be a list of Djoser's provider names such as google-oauth2,github,oidc, each optionally with =Label"
    raise ValueError(option)


def meta_pattern(name):
    return re.compile(
        r"<meta\s+name=[\"']?" + re.escape(name) + r"[\"']?\s+content=(?:\"([^\"]*)\"|'([^']*)'|([^\s>]*))\s*/?>"
    )


def read_meta(page, name, path):
    found = meta_pattern(name).search(page)
    if not found and name in OPTIONAL:
        return ""
    if not found:
        sys.exit(f"configure-dist: {path} has no <meta name=\"{name}\">: rebuild it (make build)")
    return html.unescape(next(value for value in found.groups() if value is not None)).strip()


def set_meta(page, name, value):
    tag = f'<meta name="{name}" content="{html.escape(value)}" />'
    if name in OPTIONAL and not meta_pattern(name).search(page):
        if not value:
            return page
        # Beside the API's address, which every page has.
        api = meta_pattern(TAGS["api"]).search(page)
        return page[: api.end()] + tag + page[api.end() :]
    return meta_pattern(name).sub(lambda _: tag, page, count=1)


def move_urls(text, old, new):
    """Every URL under the base path `old` in a `href` or `src`, under `new` (not `//host` ones)."""
    pattern = re.compile(r"(\s(?:href|src)=[\"']?)" + re.escape(old) + r"(?!/)")
    return pattern.sub(lambda found: found.group(1) + new, text)


def rename(page, old, new):
    """The prerendered title (`Sign in · Account`) and card header say the new app name."""
    old, new = html.escape(old, quote=False), html.escape(new, quote=False)

    def title(found):
        text = found.group(2)
        if text == old:
            text = new
        elif text.endswith(f" · {old}"):
            text = text[: -len(old)] + new
        return found.group(1) + text + found.group(3)

    page = re.sub(r"(<title>)(.*?)(</title>)", title, page, count=1, flags=re.DOTALL)
    return page.replace(f"{BRAND}{old}</p>", f"{BRAND}{new}</p>")


def configure(dist, built, name, changes):
    """One page, configured: its values (those of index.html for a page new here) with `changes`,
    from the prerendered page of the build in `built` (dist itself, or dist/social), for the login
    field wanted where that build has one."""
    path = os.path.join(dist, name)
    current = path if os.path.isfile(path) else os.path.join(dist, "index.html")
    page = open(current, encoding="utf-8").read()
    wanted = {option: read_meta(page, tag, current) for option, tag in TAGS.items()}
    wanted.update(changes)
    page = open(os.path.join(built, name), encoding="utf-8").read()
    variant = os.path.join(built, "login-field", wanted["login_field"], name)
    if os.path.isfile(variant):
        page = open(variant, encoding="utf-8").read()
    now = {option: read_meta(page, tag, path) for option, tag in TAGS.items()}
    if now["base"] != wanted["base"]:
        page = move_urls(page, now["base"] or "/", wanted["base"])
    if now["app_name"] != wanted["app_name"]:
        page = rename(page, now["app_name"] or "Account", wanted["app_name"])
    for option, tag in TAGS.items():
        page = set_meta(page, tag, wanted[option])
    return page


def put_in_place(built, dist):
    """Copies the files of the build in `built` into `dist`, but for its pages."""
    for entry in os.listdir(built):
        source, target = os.path.join(built, entry), os.path.join(dist, entry)
        if os.path.isdir(source):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        elif not entry.endswith(".html"):
            shutil.copyfile(source, target)


def check_styles(dist, pages):
    """Each page's inline <style> must still be the one the CSP allows (dist/csp-style-hash.txt):
    nothing here edits it, and a page from another build would paint unstyled."""
    path = os.path.join(dist, "csp-style-hash.txt")
    if not os.path.isfile(path):
        return  # a debug build: the pages link the stylesheet
    allowed = open(path, encoding="utf-8").read().strip()
    for name, page in pages.items():
        styles = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
        if [csp_hash(css) for css in styles] != [allowed]:
            sys.exit(f"configure-dist: {name}'s <style> is not the one {path} allows: rebuild (make build)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", help="the release build folder (make build writes dist/)")
    parser.add_argument("--api", help="the API's origin, e.g. https://api.example.com")
    parser.add_argument("--auth-header", help="SimpleJWT's AUTH_HEADER_TYPES, e.g. JWT or Bearer")
    parser.add_argument("--api-prefix", help="where Djoser's routes are on the API, e.g. /auth/ or /api/v1/")
    parser.add_argument("--login-field", help="what users sign in with: email or username (Djoser's LOGIN_FIELD)")
    parser.add_argument("--app-name", help="the name in the card header and the page titles")
    parser.add_argument("--base", help="the path the app is served under, e.g. /account/")
    parser.add_argument("--social", help="social sign-in buttons: Djoser's provider names, e.g. google-oauth2,github,oidc=\"Acme ID\"")
    args = parser.parse_args()

    changes = {}
    for option in TAGS:
        value = getattr(args, option)
        if value is None:
            continue
        value = value.strip()
        if option == "api":
            value = value.rstrip("/")
        why = problem(option, value)
        if why:
            sys.exit(f"configure-dist: --{option.replace('_', '-')} {value!r} {why}")
        changes[option] = value

    if not os.path.isfile(os.path.join(args.dist, "index.html")):
        sys.exit(f"configure-dist: {args.dist}/index.html not found: build first (make build)")
    index = open(os.path.join(args.dist, "index.html"), encoding="utf-8").read()
    old_base = read_meta(index, TAGS["base"], "index.html") or "/"
    new_base = changes.get("base", old_base)
    social = changes.get("social", read_meta(index, TAGS["social"], "index.html"))
    built = args.dist
    if social and not os.path.isfile(os.path.join(args.dist, "oauth-callback.html")):
        built = os.path.join(args.dist, "social")
        if not os.path.isfile(os.path.join(built, "oauth-callback.html")):
            sys.exit(f"configure-dist: {args.dist} has no build with social sign-in ({built}/): rebuild it (make build)")
    pages = sorted(name for name in os.listdir(built) if name.endswith(".html"))
    configured = {name: configure(args.dist, built, name, changes) for name in pages}
    check_styles(args.dist, configured)

    if built != args.dist:
        # Its wasm, JS and their twins (names hashed: nothing of the other build is replaced),
        # its login-field pages, its _redirects and route table; the pages are written below.
        put_in_place(built, args.dist)
        old_base = "/"
    redirects = os.path.join(args.dist, "_redirects")
    if new_base != old_base and os.path.isfile(redirects):
        rules = open(redirects, encoding="utf-8").read()
        rules = re.sub(r"(^|\s)" + re.escape(old_base) + r"(?!/)", lambda m: m.group(1) + new_base, rules, flags=re.M)
        with open(redirects, "w", encoding="utf-8") as f:
            f.write(rules)
    for name, page in configured.items():
        with open(os.path.join(args.dist, name), "w", encoding="utf-8") as f:
            f.write(page)
    settings = ", ".join(f"{TAGS[option]}={value!r}" for option, value in changes.items()) or "nothing changed"
    print(f"configure-dist: {len(configured)} pages in {args.dist}: {settings}")


if __name__ == "__main__":
    main()
