// Icons the chat screen's compact controls use beyond dom.js's set: More
// (three dots) and the composer's menu (a plus). Always beside a name,
// visible or visually hidden; aria-hidden themselves.

const PATHS = {
  more: "M12 8a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm0 6a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm0 6a2 2 0 1 0 0-4 2 2 0 0 0 0 4z",
  plus: "M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6z",
};

export function glyph(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", PATHS[name]);
  svg.append(path);
  return svg;
}
