// Runs on the first load and after every instant navigation: Material swaps the page body without
// reloading and emits document$ each time, so everything here is set up again for the new page.
document$.subscribe(({ body }) => {
  // Formulas, with the site's own copy of KaTeX, which only a page with maths names (scripts/mkdocs_hooks.py).
  loadKatex(body).then(() => {
    if (typeof renderMathInElement === "function") {
      renderMathInElement(body, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false },
          { left: "$", right: "$", display: false },
        ],
        throwOnError: false,
      });
    }
    fitToScreen(body);
  });
  // KaTeX's fonts arrive after the first layout and widen the formulas: measure again once they are in.
  document.fonts.ready.then(() => fitToScreen(body));
});

// Stylesheets and images that arrive late (the notebooks' stylesheet among them) change what scrolls: measure
// again once everything is in, then say so on <html> (data-convlab-settled: what the browser tests wait for).
window.addEventListener("load", () => {
  fitToScreen(document.body);
  document.documentElement.dataset.convlabSettled = "";
});

let resizing;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => fitToScreen(document.body), 200);
});

function fitToScreen(body) {
  giveWideFormulasTheirOwnLine(body);
  letTheKeyboardScroll(body);
}

// Inline maths never breaks across lines (the stylesheet says nowrap), so a formula wider than its
// line would stick out of a phone's screen: it gets a line of its own, which scrolls sideways.
function giveWideFormulasTheirOwnLine(body) {
  const formulas = [...body.querySelectorAll("article .katex")].filter((k) => !k.closest(".katex-display"));
  formulas.forEach((formula) => formula.classList.remove("convlab-math-wide"));
  const wide = formulas.filter((formula) => {
    const line = formula.closest("p, li, td, th, dd, figcaption, div");
    return line && formula.getBoundingClientRect().right > line.getBoundingClientRect().right + 1;
  });
  wide.forEach((formula) => formula.classList.add("convlab-math-wide"));
}

// A box that scrolls sideways (code, outputs, tables, formulas) must be reachable by the keyboard too.
function letTheKeyboardScroll(body) {
  for (const box of body.querySelectorAll("article *")) {
    const scrolls = ["auto", "scroll"].includes(getComputedStyle(box).overflowX) && box.scrollWidth > box.clientWidth;
    if (scrolls && box.tabIndex < 0) {
      box.tabIndex = 0;
      box.dataset.convlabScrolls = "";
    } else if (!scrolls && "convlabScrolls" in box.dataset) {
      box.removeAttribute("tabindex");
      delete box.dataset.convlabScrolls;
    }
  }
}

if (location.protocol === "file:") sayWhatNeedsAServer(document.body);

// A page opened as a file (file://) runs none of the site's JavaScript modules: the browser refuses to load them
// from there. The parts they draw (the explorer, the digit page) say so, and how to serve the site instead.
function sayWhatNeedsAServer(body) {
  const config = JSON.parse(document.getElementById("__config")?.textContent || "{}");
  const root = new URL(config.base || ".", location.href);
  const page = location.href.slice(root.href.length);
  for (const part of body.querySelectorAll("[data-needs-server]")) {
    const message = document.createElement("p");
    message.className = "convlab-failure";
    message.setAttribute("role", "alert");
    message.dataset.testid = "needs-server";
    const code = (text) => Object.assign(document.createElement("code"), { textContent: text });
    message.append(
      "This part runs in your browser, which does not start it from a page opened as a file. Serve the site's folder instead: ",
      code(`python3 -m http.server --directory ${decodeURI(root.pathname)}`),
      " and open ",
      code(`http://localhost:8000/${page}`),
      ".",
    );
    part.replaceChildren(message);
  }
}

// An instant navigation from a page without maths to one with it swaps in the new article but runs none of the
// page's other scripts: load the KaTeX files its article names (scripts/mkdocs_hooks.py), stylesheet first and
// scripts in order, once. Resolves when there is nothing to wait for.
function loadKatex(body) {
  const article = body.querySelector("article[data-convlab-katex]");
  if (typeof renderMathInElement === "function" || article === null) return Promise.resolve();
  const files = article.dataset.convlabKatex.split(" ").map((file) => new URL(file, location.href).href);
  for (const file of files.filter((f) => f.endsWith(".css"))) {
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = file;
    document.head.append(style);
  }
  return files
    .filter((f) => f.endsWith(".js"))
    .reduce(
      (previous, file) =>
        previous.then(
          () =>
            new Promise((resolve) => {
              const script = document.createElement("script");
              script.src = file;
              script.onload = script.onerror = resolve;
              document.head.append(script);
            }),
        ),
      Promise.resolve(),
    );
}
