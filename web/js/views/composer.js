// <hl-composer conversation="…">: writing a message. It grows with the text,
// Enter sends and Shift+Enter starts a new line. It can answer a message
// (startReply), change one of your own (startEdit), and give the next
// message its own disappearing timer. One row: a menu button (+) that shows
// `.composer-tools` above the row (Attach, <hl-attach-button>, and the
// timer), the text box, and Send, or Record voice message
// (<hl-voice-recorder>) while the box is empty. Their panels sit above.

import { h, fill, announce, notice, timerLabel } from "../dom.js";
import { store } from "../state.js";
import { excerpt, summary } from "./bubble.js";
import { chooseTimer } from "./timer-dialog.js";
import { glyph } from "./glyphs.js";
import "./attach-button.js";
import "./voice-recorder.js";

class Composer extends HTMLElement {
  connectedCallback() {
    if (this.form) return;
    this.cid = this.getAttribute("conversation");
    this.mode = null; // null, { reply: message } or { edit: message }
    this.timer = undefined; // the next message's own timer (undefined: the chat's)
    const other = store.other(this.conversation);
    this.input = h("textarea", { id: "composer", name: "content", rows: 1, maxlength: 4000, "aria-describedby": "composer-hint", placeholder: "Message…" });
    this.context = h("div", { class: "composer-context", hidden: true });
    this.timerButton = h("button", { type: "button", class: "secondary", "aria-haspopup": "dialog", "data-key": "timer", onclick: () => this.pickTimer() });
    const attach = h("hl-attach-button", { conversation: this.cid });
    const voice = h("hl-voice-recorder", { conversation: this.cid });
    this.voice = voice;
    // The composer's menu: Attach and the next message's timer, shown above
    // the row by a disclosure button (Escape closes it, focus returns).
    this.tools = h("div", { class: "composer-tools", id: "composer-tools", role: "group", "aria-label": "Attach or set a timer", hidden: true }, attach, this.timerButton);
    this.toolsButton = h(
      "button",
      { type: "button", class: "secondary tools-toggle", "data-key": "tools", "aria-expanded": "false", "aria-controls": "composer-tools", onclick: () => this.showTools(this.tools.hidden) },
      glyph("plus"),
      h("span", { class: "visually-hidden" }, "Attach a file or set a timer"),
    );
    this.tools.addEventListener("keydown", (e) => e.key === "Escape" && (e.preventDefault(), this.showTools(false, true)));
    this.tools.addEventListener("click", (e) => e.target.closest("button") && this.showTools(false));
    this.submit = h("button", { type: "submit", class: "primary" }, "Send");
    this.form = h(
      "form",
      { class: "composer", onsubmit: (e) => (e.preventDefault(), this.send()) },
      this.context,
      h("div", { class: "composer-panels" }, attach.panel, voice.panel),
      this.tools,
      this.toolsButton,
      h("label", { for: "composer", class: "visually-hidden" }, `Message to ${other.displayName}`),
      this.input,
      this.submit,
      voice,
      h("p", { class: "hint visually-hidden", id: "composer-hint" }, "Press Enter to send. Shift + Enter starts a new line."),
    );
    this.input.addEventListener("input", () => {
      this.grow();
      this.renderSend();
      if (!this.mode?.edit) store.typing(this.cid, this.input.value.length > 0);
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send();
      } else if (e.key === "Escape" && this.mode) {
        e.preventDefault();
        this.cancel();
      }
    });
    fill(this, this.form);
    this.renderTools();
    this.renderSend();
    this.onResize = () => this.grow();
    addEventListener("resize", this.onResize);
  }

  disconnectedCallback() {
    removeEventListener("resize", this.onResize);
    this.form = null;
  }

  get conversation() {
    return this.closest("hl-thread")?.conversation ?? store.conversations.get(this.cid);
  }

  grow() {
    this.input.style.height = "auto";
    this.input.style.overflowY = "";
    if (!this.input.value) return; // one line (a long placeholder must not grow it)
    const height = this.input.scrollHeight + 4;
    this.input.style.height = `${Math.min(height, innerHeight * 0.4)}px`;
    this.input.style.overflowY = height > innerHeight * 0.4 ? "auto" : "";
  }

  /** Opens or closes the composer's menu; `back` returns the focus to its button. */
  showTools(open, back = false) {
    this.tools.hidden = !open;
    this.toolsButton.setAttribute("aria-expanded", String(open));
    if (open) this.tools.querySelector("button:not(:disabled)")?.focus();
    else if (back) this.toolsButton.focus();
  }

  /** Send when there is text (or a message being edited), else the microphone. */
  renderSend() {
    const empty = !this.input.value.trim() && !this.mode?.edit;
    this.submit.hidden = empty;
    this.voice.hidden = !empty;
  }

  focus() {
    this.input.focus();
  }

  startReply(m) {
    if (this.mode?.edit) this.input.value = "";
    this.mode = { reply: m };
    this.renderContext();
    this.input.focus();
  }

  startEdit(m) {
    this.mode = { edit: m };
    this.input.value = m.content;
    this.grow();
    this.renderContext();
    this.renderSend();
    this.input.focus();
    this.input.setSelectionRange(m.content.length, m.content.length);
  }

  cancel() {
    const editing = this.mode?.edit;
    this.mode = null;
    if (editing) this.input.value = "";
    this.grow();
    this.renderContext();
    this.renderSend();
    announce(editing ? "Editing cancelled." : "Reply cancelled.");
    this.input.focus();
  }

  renderContext() {
    const m = this.mode?.reply ?? this.mode?.edit;
    this.context.hidden = !m;
    this.submit.textContent = this.mode?.edit ? "Save" : "Send";
    this.input.setAttribute("aria-describedby", m ? "composer-context-text composer-hint" : "composer-hint");
    if (!m) return fill(this.context);
    const who = m.senderId === store.user.id ? "yourself" : store.other(this.conversation).displayName;
    fill(
      this.context,
      h(
        "p",
        { id: "composer-context-text" },
        h("strong", null, this.mode.edit ? "Editing your message:" : `Replying to ${who}:`),
        " ",
        excerpt(summary(m), 80),
      ),
      h("button", { type: "button", class: "secondary", onclick: () => this.cancel() }, this.mode.edit ? "Cancel editing" : "Cancel reply"),
    );
  }

  renderTools() {
    const set = this.timer !== undefined;
    fill(this.timerButton, set ? `Timer: ${timerLabel(this.timer)}` : "Timer", h("span", { class: "visually-hidden" }, " for your next message"));
    this.timerButton.setAttribute("aria-pressed", set ? "true" : "false");
  }

  async pickTimer() {
    const chat = this.conversation?.autoDeleteSecs ?? null;
    // A message cannot opt out of the chat's timer (null means "the chat's").
    const value = await chooseTimer({
      title: "Timer for your next message",
      text: `Your next message disappears after the time you choose. This chat's setting is: ${timerLabel(chat)}.`,
      current: this.timer ?? null,
      offLabel: chat === null ? "Off" : `Same as this chat (${timerLabel(chat)})`,
    });
    if (!this.tools.contains(document.activeElement) && (document.activeElement === document.body || !document.activeElement)) this.toolsButton.focus();
    if (value === undefined) return;
    this.timer = value === null || value === chat ? undefined : value;
    this.renderTools();
    announce(`Your next message: ${timerLabel(this.timer ?? chat)}.`);
  }

  async send() {
    const text = this.input.value.replace(/\s+$/, "");
    if (!text.trim()) return;
    if (this.mode?.edit) {
      const m = this.mode.edit;
      if (text === m.content) return this.cancel();
      try {
        await store.editMessage(this.cid, m.id, text);
        announce("Your message was changed.");
      } catch (error) {
        return notice(error.message);
      }
    } else {
      store.send(this.cid, text, { replyTo: this.mode?.reply ?? null, expiresInSecs: this.timer });
      this.timer = undefined;
      this.renderTools();
    }
    this.mode = null;
    this.renderContext();
    this.input.value = "";
    this.grow();
    this.renderSend();
    this.dispatchEvent(new CustomEvent("hl-sent", { bubbles: true }));
  }
}

customElements.define("hl-composer", Composer);
