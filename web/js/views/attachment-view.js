// What a message's attachment shows in its bubble: a photo's thumbnail
// (a button that opens the full photo in a dialog), a file's icon, name,
// size and Download button, or a voice note's player with its length.
// The bytes come through attachments.js (fetched with the token, shown
// from blob: URLs). A helper for bubble.js, not an element.

import { h, fill, icon, modal, notice, duration, spokenDuration } from "../dom.js";
import { objectUrl, download, formatSize } from "../attachments.js";

/** The attachment part of message `m` (with an `attachment`), or null. */
export function attachmentView(m, who) {
  const a = m.attachment;
  if (!a || m.deletedAt) return null;
  const label = h("span", { class: "visually-hidden" }, `${who}: `);
  if (m.type === "image") return photo(a, m.content, label);
  if (m.type === "voice") return voice(a, label);
  return file(a, label);
}

function photo(a, caption, label) {
  const alt = caption?.trim() || a.name || "Photo";
  const img = h("img", { class: "photo-thumb", alt });
  const button = h(
    "button",
    { type: "button", class: "attachment-photo", "data-key": `photo:${a.id}`, "aria-haspopup": "dialog", onclick: () => showPhoto(a, alt) },
    img,
    h("span", { class: "visually-hidden" }, " (open the full photo)"),
  );
  objectUrl(a.id, a.thumbnail).then(
    (url) => (img.src = url),
    () => fill(button, h("span", null, `Photo not available: ${a.name}`)),
  );
  return h("div", { class: "attachment" }, label, button);
}

function showPhoto(a, alt) {
  const img = h("img", { class: "photo-full", alt });
  const status = h("p", { class: "muted", role: "status" }, "Loading the photo…");
  const dialog = h(
    "dialog",
    { class: "photo-dialog", "aria-labelledby": "photo-title" },
    h("h2", { id: "photo-title" }, a.name || "Photo"),
    status,
    img,
    h(
      "div",
      { class: "actions" },
      downloadButton(a),
      h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Close"),
    ),
  );
  modal(dialog, { focus: dialog.querySelector(".actions .secondary.big") });
  objectUrl(a.id).then(
    (url) => ((img.src = url), status.remove()),
    () => (status.textContent = "This photo is no longer available."),
  );
}

function file(a, label) {
  return h(
    "div",
    { class: "attachment attachment-file" },
    label,
    icon("file"),
    h("span", { class: "file-about" }, h("span", { class: "file-name" }, a.name || "File"), h("span", { class: "file-size" }, formatSize(a.size))),
    downloadButton(a),
  );
}

function downloadButton(a) {
  const button = h(
    "button",
    {
      type: "button",
      class: "secondary download",
      "data-key": `download:${a.id}`,
      onclick: async () => {
        button.disabled = true;
        try {
          await download(a);
        } catch (error) {
          notice(error.message);
        } finally {
          button.disabled = false;
        }
      },
    },
    "Download",
    h("span", { class: "visually-hidden" }, ` ${a.name || "the file"}, ${formatSize(a.size)}`),
  );
  return button;
}

function voice(a, label) {
  const length = h("span", { class: "voice-length" }, "Voice message");
  const audio = h("audio", { controls: true, preload: "metadata", "aria-label": "Voice message" });
  // A recording from MediaRecorder often has no length in its header, so the
  // browser reports Infinity until it has read to the end: seek far ahead
  // once to learn it, then go back to the start.
  const show = () => {
    if (!Number.isFinite(audio.duration) || audio.duration <= 0) return false;
    length.textContent = `Voice message · ${duration(Math.max(1, Math.round(audio.duration)))}`;
    audio.setAttribute("aria-label", `Voice message, ${spokenDuration(Math.max(1, audio.duration))}`);
    return true;
  };
  audio.addEventListener("loadedmetadata", () => {
    if (show()) return;
    const settle = () => {
      if (!show()) return;
      audio.removeEventListener("durationchange", settle);
      audio.currentTime = 0;
    };
    audio.addEventListener("durationchange", settle);
    audio.currentTime = 1e101;
  });
  objectUrl(a.id).then(
    (url) => (audio.src = url),
    () => (length.textContent = "This voice message is no longer available."),
  );
  return h("div", { class: "attachment attachment-voice" }, label, icon("mic"), length, audio);
}
