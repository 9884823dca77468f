// Runs on the first load and after every instant navigation: Material swaps the page body without
// reloading and emits document$ each time, so everything here is set up again for the new page.
document$.subscribe(({ body }) => {
  // Formulas, with the site's own copy of KaTeX.
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    throwOnError: false,
  });
  // Notebook code and outputs scroll sideways on narrow screens: let the keyboard reach them too.
  const scrolling = ".jupyter-wrapper .highlight-ipynb, .jupyter-wrapper .jp-OutputArea-output pre, .md-typeset__scrollwrap";
  body.querySelectorAll(scrolling)
    .forEach((region) => {
      if (region.scrollWidth > region.clientWidth) region.tabIndex = 0;
    });
});
