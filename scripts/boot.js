// The page's loader (scripts/post-build.py fills in the two file names). It starts the app, and
// says so on the page when it can't: no WebAssembly, a failed download, or no start within 10 s.
const started = () => document.documentElement.dataset.app === "running";

function notStarted(why) {
  // A panic shows its own banner (src/main.rs).
  if (started() || document.querySelector(".crash-banner")) return;
  for (const spinner of document.querySelectorAll(".spinner")) spinner.remove();
  const banner = document.createElement("div");
  banner.className = "crash-banner boot-banner";
  banner.setAttribute("role", "alert");
  banner.dataset.notice = "boot-failed";
  const reload = document.createElement("button");
  reload.type = "button";
  reload.className = "button button-secondary";
  reload.textContent = "Reload";
  reload.addEventListener("click", () => location.reload());
  banner.append(why + " ", reload);
  document.body.prepend(banner);
}

// The release wasm aborts on a panic without running its panic hook (a trap, not a message):
// say so on the page, as the hook does in development builds (src/main.rs).
const crashed = (error) => {
  if (!(error instanceof WebAssembly.RuntimeError) || document.querySelector(".crash-banner")) return;
  const banner = document.createElement("div");
  banner.className = "crash-banner";
  banner.setAttribute("role", "alert");
  banner.textContent = "Something went wrong and the page stopped. Reload it to continue.";
  document.body.prepend(banner);
};
if (typeof WebAssembly === "object") {
  addEventListener("error", (event) => crashed(event.error));
  addEventListener("unhandledrejection", (event) => crashed(event.reason));
}

if (typeof WebAssembly !== "object") {
  notStarted("This page needs WebAssembly to sign you in, and this browser has it turned off.");
} else {
  setTimeout(() => notStarted("The page is taking too long to start. Check your connection and reload."), 10000);
  try {
    const glue = await import("__GLUE__");
    const wasm = await glue.default({ module_or_path: "__WASM__" });
    window.wasmBindings = glue;
    dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
  } catch (error) {
    console.error("djoser-auth-spa: the app couldn't start", error);
    notStarted("The page couldn't start. Check your connection and reload.");
  }
}
