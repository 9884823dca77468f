// Animations that play on demand (the gallery, and the pooling page): each shows its last frame, the still of the
// rendition its screen gets in the scheme it shows, and its "Play" link swaps every still of the figure (in both
// schemes' pictures) for its rendition's animation in place (and back), so the browser keeps choosing by screen and
// the palette toggle shows the same state; only the shown picture loads. The animation is the WebP where the browser
// shows animated WebP (a third of the GIF's bytes), else the GIF. Without JavaScript the link opens the narrow GIF.
// Runs after every instant navigation.

// A one-frame animated WebP: it loads with a width only where the browser shows animated WebP.
const ANIMATED_WEBP =
  "data:image/webp;base64,UklGRlIAAABXRUJQVlA4WAoAAAASAAAAAAAAAAAAQU5JTQYAAAD/////AABBTk1GJgAAAAAAAAAAAAAAAAAAAGQAAABWUDhMDQAAAC8AAAAQBxAREYiI/gcA";
const showsWebp = new Promise((resolve) => {
  const probe = new Image();
  probe.onload = () => resolve(probe.width > 0);
  probe.onerror = () => resolve(false);
  probe.src = ANIMATED_WEBP;
});

document$.subscribe(({ body }) => {
  body.querySelectorAll("a.convlab-play").forEach((link) => {
    const stills = link.closest("figure").querySelectorAll("picture [data-gif]");
    const label = link.textContent;
    link.setAttribute("role", "button");
    link.setAttribute("aria-pressed", "false");
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const playing = link.getAttribute("aria-pressed") === "true";
      const webp = await showsWebp;
      stills.forEach((still) => {
        const animation = webp ? still.dataset.webp : still.dataset.gif;
        still[still.tagName === "SOURCE" ? "srcset" : "src"] = playing ? still.dataset.still : animation;
      });
      link.setAttribute("aria-pressed", String(!playing));
      link.textContent = playing ? label : "Show the last frame";
    });
  });
});
