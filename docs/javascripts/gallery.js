// Animations that play on demand (the gallery, and the pooling page): each shows its last frame, the still of the
// rendition its screen gets in the scheme it shows, and its "Play" link swaps every still of the figure (in both
// schemes' pictures) for its rendition's GIF in place (and back), so the browser keeps choosing by screen and the
// palette toggle shows the same state; only the shown picture loads. Without JavaScript the link opens the narrow GIF.
// Runs after every instant navigation.
document$.subscribe(({ body }) => {
  body.querySelectorAll("a.convlab-play").forEach((link) => {
    const stills = link.closest("figure").querySelectorAll("picture [data-gif]");
    const label = link.textContent;
    link.setAttribute("role", "button");
    link.setAttribute("aria-pressed", "false");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const playing = link.getAttribute("aria-pressed") === "true";
      stills.forEach((still) => {
        still[still.tagName === "SOURCE" ? "srcset" : "src"] = playing ? still.dataset.still : still.dataset.gif;
      });
      link.setAttribute("aria-pressed", String(!playing));
      link.textContent = playing ? label : "Show the last frame";
    });
  });
});
