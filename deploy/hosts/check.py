#!/usr/bin/env python3
"""Checks the example host configs in deploy/hosts/ against deploy/nginx.conf and the app's
routes (the builds' routes.json, written from the route table in src/routes.rs): each file
parses, carries nginx's security headers with the same values, caches the same hashed names, and
sends every route of the app to its page (docs/deploy.md). Standard library only; runs the
CloudFront Function with node when node is installed. After `make build`:
    python3 deploy/hosts/check.py [dist/routes.json dist/social/routes.json]
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scripts"))
import inline_style  # noqa: E402

HOSTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HOSTS))
problems = []


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def expect(condition, message):
    if not condition:
        problems.append(message)


# The source of truth: nginx's add_header lines (Cache-Control aside) and its hashed-name regex.
nginx = read("deploy", "nginx.conf")
security = dict(re.findall(r'^\s*add_header ([\w-]+) "([^"]*)" always;', nginx, re.M))
# (nginx's map keys on "$status $uri": the year-long rule is for answers that are the file.)
hashed = "^" + re.search(r'^\s*"~\^(?:\([\d|]+\) )?(/\[\^/\]\+-[^"]+)"\s', nginx, re.M).group(1)
expect(len(security) >= 6, f"nginx.conf: only {sorted(security)}")

# The pages' inline <style> (scripts/inline_style.py): every config allows it by the hash the
# build gives today's assets/style.css.
style_hash = inline_style.source_hash()
for name in inline_style.CONFIGS:
    found = inline_style.STYLE_SRC.findall(read(*name.split("/")))
    expect(found == [style_hash], f"{name}: style-src hashes {found}, the build's is {style_hash}: run scripts/inline_style.py --update")

# The app's routes, as the builds wrote them (the configs serve every build: with social sign-in
# too); those with parameters are the emailed links and the social callback.
routes_files = sys.argv[1:] or [os.path.join(ROOT, d, "routes.json") for d in ("dist", "dist/social")]
routes = set()
for routes_file in routes_files:
    if not os.path.exists(routes_file):
        sys.exit(f"check.py: no {routes_file}: run `make build` first")
    routes |= {route["pattern"] for route in json.load(open(routes_file))}
emailed = sorted(r.split("/")[1] for r in routes if "/:" in r)
fixed = sorted(r for r in routes if "/:" not in r)
expect(emailed and fixed, f"{routes_files}: no routes found in {routes!r}")

# deploy/nginx-proxy.conf (the app and the API behind one host): the same headers, the API's
# origin being the page's own, and every emailed link and callback to its page.
proxy = read("deploy", "nginx-proxy.conf")
proxy_headers = dict(re.findall(r'^\s*add_header ([\w-]+) "([^"]*)" always;', proxy, re.M))
same_site = {k: v.replace(" https://api.example.com;", ";") for k, v in security.items()}
expect(proxy_headers == same_site, f"nginx-proxy.conf headers: {proxy_headers}")
for name in emailed:
    expect(f"location /{name}/ {{\n        try_files /{name}.html =404;" in proxy, f"nginx-proxy.conf: /{name}/")
    expect(f"location /{name}/ {{\n        try_files /{name}.html =404;" in nginx, f"nginx.conf: /{name}/")

# deploy/write-headers.sh (Netlify, Cloudflare Pages, GitHub Pages' meta CSP).
with tempfile.TemporaryDirectory() as dist:
    for name in ("index.html", "app-29b47e2829ff11a2_bg.wasm", "login.html"):
        open(os.path.join(dist, name), "w").close()
    with open(os.path.join(dist, "csp-style-hash.txt"), "w") as f:
        f.write(style_hash + "\n")
    subprocess.run([os.path.join(ROOT, "deploy", "write-headers.sh"), dist, "https://api.example.com"],
                   check=True, stdout=subprocess.DEVNULL)
    blocks = re.split(r"^(?=/)", open(os.path.join(dist, "_headers")).read(), flags=re.M)[1:]
rules = {b.split("\n")[0]: dict(re.findall(r"^  ([\w-]+): (.*)$", b, re.M)) for b in blocks}
expect(rules.get("/*") == security, f"write-headers.sh /*: {rules.get('/*')}")
expect(set(rules) == {"/*", "/app-29b47e2829ff11a2_bg.wasm"}, f"write-headers.sh rules: {sorted(rules)}")

# Vercel: the same headers on every path, the same hashed names, every route to its page.
vercel = json.load(open(os.path.join(HOSTS, "vercel.json")))
by_source = {h["source"]: {kv["key"]: kv["value"] for kv in h["headers"]} for h in vercel["headers"]}
expect(by_source.get("/(.*)") == security, f"vercel.json /(.*): {by_source.get('/(.*)')}")
cached = [s for s, h in by_source.items() if "immutable" in h.get("Cache-Control", "")]
vercel_hashed = "/:file(" + hashed.removeprefix("^/").removesuffix("$").replace("(_bg)", "(?:_bg)") + ")"
expect(cached == [vercel_hashed], f"vercel.json cache rule: {cached}, nginx: {hashed}")
rewrites = {r["source"]: r["destination"] for r in vercel["rewrites"]}
for name in emailed:
    expect(rewrites.get(f"/{name}/(.+)") == f"/{name}.html", f"vercel.json: no rewrite for /{name}/…")
page_rule = rewrites.get("/:page([a-z0-9-]+)") == "/:page.html"
expect(page_rule, "vercel.json: no /:page → /:page.html rewrite")
for route in fixed:
    expect(route == "/" or re.fullmatch(r"/[a-z0-9-]+", route), f"vercel.json: {route} has no rewrite")

# CloudFront: the response headers policy, and the function's rewrites.
policy = json.load(open(os.path.join(HOSTS, "cloudfront-response-headers-policy.json")))
sec, custom = policy["SecurityHeadersConfig"], policy["CustomHeadersConfig"]["Items"]
sent = {
    "Content-Security-Policy": sec["ContentSecurityPolicy"]["ContentSecurityPolicy"],
    "Referrer-Policy": sec["ReferrerPolicy"]["ReferrerPolicy"],
    "X-Frame-Options": sec["FrameOptions"]["FrameOption"],
    **({"X-Content-Type-Options": "nosniff"} if "ContentTypeOptions" in sec else {}),
    **{item["Header"]: item["Value"] for item in custom},
}
expect(sent == security, f"cloudfront-response-headers-policy.json: {sent}")
expect(policy["CustomHeadersConfig"]["Quantity"] == len(custom), "CloudFront: Quantity != len(Items)")
function = open(os.path.join(HOSTS, "cloudfront-function.js")).read()
alternatives = re.search(r"\^\\/\(([a-z|-]+)\)\\/", function).group(1).split("|")
expect(sorted(alternatives) == emailed, f"cloudfront-function.js emailed links: {alternatives}")
if shutil.which("node"):
    paths = [r.replace(":uid", "MQ").replace(":token", "c4g7xk-0a1b2c").replace(":provider", "github") for r in routes]
    paths += ["/login/", "/app-29b47e2829ff11a2_bg.wasm"]
    script = function + "\nfor (const uri of JSON.parse(process.argv[1])) console.log(handler({request: {uri}}).uri);"
    out = subprocess.run(["node", "-e", script, json.dumps(paths)], capture_output=True, text=True, check=True)
    got = dict(zip(paths, out.stdout.split()))
    for route, path in zip(routes, paths):
        name = route.split("/")[1] or "index"
        expect(got[path] == f"/{name}.html", f"cloudfront-function.js: {path} -> {got[path]}")
    expect(got["/login/"] == "/login.html", "cloudfront-function.js: /login/")
    expect(got["/app-29b47e2829ff11a2_bg.wasm"] == "/app-29b47e2829ff11a2_bg.wasm", "CloudFront: hashed file rewritten")

# Netlify and GitHub Pages: they parse and say what the guide says.
netlify = tomllib.load(open(os.path.join(HOSTS, "netlify.toml"), "rb"))
expect(netlify["build"]["publish"] == "dist", "netlify.toml: publish")
workflow = open(os.path.join(HOSTS, "github-pages.yml")).read()
expect("write-headers.sh" in workflow and "cp index.html 404.html" in workflow, "github-pages.yml: steps")
try:
    import yaml  # optional

    expect("deploy" in yaml.safe_load(workflow)["jobs"], "github-pages.yml: no deploy job")
except ImportError:
    pass

for problem in problems:
    print("deploy/hosts:", problem, file=sys.stderr)
sys.exit(1 if problems else 0)
