// The gallery (gallery/): each animation shows its last frame, and its "Play" link swaps in the GIF in
// place (and back). Without JavaScript the link simply opens the GIF. Runs after every instant navigation.
document$.subscribe(({ body }) => {
  body.querySelectorAll("a.convlab-play").forEach((link) => {
    const image = link.closest("figure").querySelector("img");
    const label = link.textContent;
    link.setAttribute("role", "button");
    link.setAttribute("aria-pressed", "false");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const playing = link.getAttribute("aria-pressed") === "true";
      image.src = playing ? link.dataset.still : link.dataset.gif;
      link.setAttribute("aria-pressed", String(!playing));
      link.textContent = playing ? label : "Show the last frame";
    });
  });
});
