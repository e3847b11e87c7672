//! One build for every deployment, with social sign-in or without (issue #20): `make build` keeps
//! the build with it in dist/social/, and `configure-dist.py --social` puts that one in place.
//! Without providers the pages load nothing of it; with them they load its wasm and gain the
//! callback page, keeping every setting made before.

use std::path::Path;

use crate::support::dist::{configure, copy_dist};
use crate::support::TestDir;

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The loader a page starts (`boot-<hash>.js`), by name.
fn loader(page: &str) -> String {
    page.match_indices("/boot-")
        .map(|(at, _)| page[at + 1..].split('"').next().unwrap_or_default())
        .find(|name| name.ends_with(".js"))
        .expect("a page names its loader")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn social_sign_in_is_put_in_place_only_where_providers_are_set() {
    skip_unless_e2e!();
    let copy = TestDir::new();
    copy_dist(copy.path());
    let dir = copy.path();
    let plain = loader(&read(dir, "login.html"));
    let social = loader(&read(&dir.join("social"), "login.html"));
    // The plain build's JS glue and wasm (`djoser-auth-spa-<hash>`), by name.
    let plain_glue = {
        let page = read(dir, "login.html");
        let at = page
            .find("djoser-auth-spa-")
            .expect("a page names its glue");
        page[at..at + "djoser-auth-spa-".len() + 16].to_string()
    };
    assert_ne!(plain, social, "the two builds start different loaders");

    configure(
        dir,
        &["--api", "https://api.example.com", "--base", "/account/"],
    );
    assert_eq!(
        loader(&read(dir, "login.html")),
        plain,
        "without providers, the build without social sign-in stays"
    );
    assert!(!dir.join("oauth-callback.html").exists());

    configure(dir, &["--social", "github"]);
    for page in [
        "login.html",
        "register.html",
        "index.html",
        "oauth-callback.html",
    ] {
        let html = read(dir, page);
        assert_eq!(loader(&html), social, "{page} starts the social build");
        assert!(
            !html.contains(&plain_glue),
            "{page} still names the plain build's {plain_glue}"
        );
        assert!(
            html.contains("src=\"/account/boot-"),
            "{page} keeps the base path: {html}"
        );
        assert!(
            html.contains("content=\"https://api.example.com\"")
                && html.contains("name=\"djoser-social-providers\" content=\"github\""),
            "{page} keeps the API and names the provider"
        );
    }
    assert!(
        dir.join(&social).is_file(),
        "its loader is in place beside the pages"
    );
    assert!(
        read(dir, "_redirects").contains("/account/oauth-callback/*"),
        "the callback is routed under the base path:\n{}",
        read(dir, "_redirects")
    );
    // Run again, the same.
    configure(dir, &["--app-name", "Acme"]);
    assert_eq!(loader(&read(dir, "login.html")), social);
    assert!(read(dir, "oauth-callback.html")
        .contains("name=\"djoser-social-providers\" content=\"github\""));
}
