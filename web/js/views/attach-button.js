// <hl-attach-button conversation="…">: "Attach" in the composer's menu.
// It opens the device's file picker (a photo or any file); the chosen file
// is shown with its name and size, Send and Remove, in `this.panel` (which
// the composer places above its text box). Sending uploads it with a
// progress bar, then sends it through the outbox as an `image` (when the
// server found an image type) or a `file`. Errors (too large, out of space,
// offline) are said in words and the file stays, to try again or remove.

import { h, fill, icon, announce } from "../dom.js";
import { store } from "../state.js";
import { upload, uploadError, formatSize, typeFor } from "../attachments.js";

class AttachButton extends HTMLElement {
  constructor() {
    super();
    this.panel = h("div", { class: "composer-panel", id: `attach-panel-${Math.random().toString(36).slice(2)}`, role: "group", "aria-label": "File to send", hidden: true });
  }

  connectedCallback() {
    if (this.button) return;
    this.cid = this.getAttribute("conversation");
    this.input = h("input", { type: "file", name: "file", hidden: true, onchange: () => this.picked() });
    this.button = h(
      "button",
      { type: "button", class: "secondary", "data-key": "attach", "aria-controls": this.panel.id, onclick: () => this.input.click() },
      icon("clip"),
      "Attach",
      h("span", { class: "visually-hidden" }, " a photo or file"),
    );
    fill(this, this.button, this.input);
  }

  picked() {
    const file = this.input.files?.[0];
    this.input.value = "";
    if (!file) return;
    this.file = file;
    this.error = null;
    this.render();
    this.panel.querySelector("button.primary")?.focus();
    announce(`Chosen: ${file.name}, ${formatSize(file.size)}. Press Send to send it.`);
  }

  get isPhoto() {
    return this.file?.type.startsWith("image/");
  }

  render(progress = null) {
    const file = this.file;
    this.panel.hidden = !file;
    this.button.disabled = progress !== null;
    if (!file) return fill(this.panel);
    const what = this.isPhoto ? "photo" : "file";
    const about = h("p", { class: "panel-about" }, icon(this.isPhoto ? "clip" : "file"), h("strong", { class: "file-name" }, file.name), h("span", null, ` · ${formatSize(file.size)}`));
    if (progress !== null) {
      const percent = Math.round(progress * 100);
      return fill(
        this.panel,
        about,
        h("p", { class: "sending", id: `${this.panel.id}-state` }, `Sending… ${percent} %`),
        h("progress", { max: "100", value: String(percent), "aria-labelledby": `${this.panel.id}-state` }),
      );
    }
    fill(
      this.panel,
      about,
      this.error ? h("p", { class: "panel-error", role: "alert" }, this.error) : null,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "primary", "data-key": "send-file", onclick: () => this.send() }, this.error ? "Try again" : `Send ${what}`),
        h("button", { type: "button", class: "secondary", "data-key": "remove-file", onclick: () => this.remove() }, "Remove", h("span", { class: "visually-hidden" }, ` ${file.name}`)),
      ),
    );
  }

  /** Back to Attach, or to the composer's menu button when Attach is in its closed menu. */
  focusButton() {
    (this.button.getClientRects().length ? this.button : (this.closest("hl-composer")?.querySelector("[data-key=tools]") ?? this.button)).focus();
  }

  remove() {
    this.file = null;
    this.render();
    this.focusButton();
    announce("The file was removed.");
  }

  async send() {
    const file = this.file;
    if (!file || this.sending) return;
    this.sending = true;
    this.render(0);
    announce("Sending…");
    try {
      const attachment = await upload(this.cid, file, file.name, (fraction) => this.file === file && this.render(fraction));
      const type = typeFor(attachment);
      store.send(this.cid, "", { type, attachment });
      this.file = null;
      this.render();
      this.focusButton();
      announce(type === "image" ? "Photo sent." : "File sent.");
      this.dispatchEvent(new CustomEvent("hl-sent", { bubbles: true }));
    } catch (error) {
      this.error = uploadError(error);
      this.render();
      this.panel.querySelector("button.primary")?.focus();
    } finally {
      this.sending = false;
    }
  }
}

customElements.define("hl-attach-button", AttachButton);
