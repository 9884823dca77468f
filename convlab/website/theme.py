"""The site theme's page colours, which a figure's transparent background shows and its text must read on."""

# Material for MkDocs: white (default) and slate, hsl(225, 15%, 14%) behind hsl(225, 15%, 90%) text.
PAGE_COLOURS = {"light": "#ffffff", "dark": "#1e2129"}
