// The page's loader (scripts/post-build.py fills in the two file names, relative to this file so
// that the build runs under any base path). It starts the app, and says so on the page when it
// can't: no WebAssembly, a failed download, or no start within 10 s.
const started = () => document.documentElement.dataset.app === "running";

// A banner at the top of the page, in the crash banner's look (src/main.rs draws the same).
function showBanner(className, ...content) {
  const banner = document.createElement("div");
  banner.className = className;
  banner.setAttribute("role", "alert");
  banner.append(...content);
  document.body.prepend(banner);
  return banner;
}

function notStarted(why) {
  // A panic shows its own banner.
  if (started() || document.querySelector(".crash-banner")) return;
  for (const spinner of document.querySelectorAll(".spinner")) spinner.remove();
  const reload = document.createElement("button");
  reload.type = "button";
  reload.className = "button button-secondary";
  reload.textContent = "Reload";
  reload.addEventListener("click", () => location.reload());
  showBanner("crash-banner boot-banner", why + " ", reload).dataset.notice = "boot-failed";
}

// The release wasm aborts on a panic without running its panic hook (a trap, not a message):
// say so on the page, as the hook does in development builds (src/main.rs).
function crashed(error) {
  if (!(error instanceof WebAssembly.RuntimeError) || document.querySelector(".crash-banner")) return;
  showBanner("crash-banner", "Something went wrong and the page stopped. Reload it to continue.");
}

if (typeof WebAssembly !== "object") {
  notStarted("This page needs WebAssembly to sign you in, and this browser has it turned off.");
} else {
  addEventListener("error", (event) => crashed(event.error));
  addEventListener("unhandledrejection", (event) => crashed(event.reason));
  setTimeout(() => notStarted("The page is taking too long to start. Check your connection and reload."), 10000);
  try {
    const glue = await import("__GLUE__");
    const wasm = await glue.default({ module_or_path: new URL("__WASM__", import.meta.url) });
    window.wasmBindings = glue;
    dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
  } catch (error) {
    console.error("djoser-auth-spa: the app couldn't start", error);
    notStarted("The page couldn't start. Check your connection and reload.");
  }
}
