// Comfort and privacy on this device: the text size (normal, large,
// larger), high contrast, and photos blurred until tapped. Kept in
// localStorage under `helpline:comfort` for the device, not the person (it
// is not about them, and the sign-in screen needs it too), and applied as
// attributes on <html> that comfort.css styles: data-text-size,
// data-contrast and data-blur-photos.

const KEY = "helpline:comfort";
export const TEXT_SIZES = { normal: "Normal", large: "Large", larger: "Larger" };
const DEFAULTS = { textSize: "normal", highContrast: false, blurPhotos: false };

export function getComfort() {
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem(KEY));
  } catch {
    kept = null;
  }
  const c = { ...DEFAULTS, ...(kept && typeof kept === "object" ? kept : {}) };
  if (!(c.textSize in TEXT_SIZES)) c.textSize = "normal";
  return c;
}

export function setComfort(patch) {
  const c = { ...getComfort(), ...patch };
  try {
    localStorage.setItem(KEY, JSON.stringify(c));
  } catch {
    // storage unavailable: it still applies until the page is closed.
  }
  applyComfort(c);
  return c;
}

export function applyComfort(c = getComfort()) {
  const root = document.documentElement;
  if (c.textSize === "normal") delete root.dataset.textSize;
  else root.dataset.textSize = c.textSize;
  if (c.highContrast) root.dataset.contrast = "high";
  else delete root.dataset.contrast;
  if (c.blurPhotos) root.dataset.blurPhotos = "";
  else delete root.dataset.blurPhotos;
}

// Blurred photos: the first tap on a photo shows it (and is not passed on
// to open the full photo); it stays shown while the page is open, also
// when its bubble is drawn again.
const shown = new Set();
const keyOf = (button) => button.dataset.key ?? "";

document.addEventListener(
  "click",
  (event) => {
    if (!("blurPhotos" in document.documentElement.dataset)) return;
    const button = event.target.closest?.(".attachment-photo");
    if (!button || button.classList.contains("revealed")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    shown.add(keyOf(button));
    reveal(button);
  },
  true,
);

function reveal(button) {
  button.classList.add("revealed");
  button.querySelector(".blur-hint")?.remove();
}

/** A photo drawn while blurring is on says so; one already tapped stays shown. */
function mark(button) {
  if (shown.has(keyOf(button))) return reveal(button);
  if (button.querySelector(".blur-hint") || button.classList.contains("revealed")) return;
  const hint = document.createElement("span");
  hint.className = "blur-hint";
  hint.textContent = "Blurred photo. Tap to show it.";
  button.append(hint);
}

new MutationObserver(() => {
  if (!("blurPhotos" in document.documentElement.dataset)) return;
  document.querySelectorAll(".attachment-photo:not(.revealed)").forEach(mark);
}).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-blur-photos"] });

/** Forgets which photos were shown (signing out). */
export function forgetShownPhotos() {
  shown.clear();
}

applyComfort();
