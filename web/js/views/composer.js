// <hl-composer conversation="…">: writing a message. It grows with the text,
// Enter sends and Shift+Enter starts a new line. It can answer a message
// (startReply), change one of your own (startEdit), and give the next
// message its own disappearing timer. `.composer-tools` holds the buttons
// beside the text box: the timer, Attach (<hl-attach-button>) and Record
// voice message (<hl-voice-recorder>), whose panels sit above the text box.

import { h, fill, announce, notice, timerLabel } from "../dom.js";
import { store } from "../state.js";
import { excerpt, summary } from "./bubble.js";
import { chooseTimer } from "./timer-dialog.js";
import "./attach-button.js";
import "./voice-recorder.js";

class Composer extends HTMLElement {
  connectedCallback() {
    if (this.form) return;
    this.cid = this.getAttribute("conversation");
    this.mode = null; // null, { reply: message } or { edit: message }
    this.timer = undefined; // the next message's own timer (undefined: the chat's)
    const other = store.other(this.conversation);
    this.input = h("textarea", { id: "composer", name: "content", rows: 1, maxlength: 4000, "aria-describedby": "composer-hint", placeholder: "Write a message…" });
    this.context = h("div", { class: "composer-context", hidden: true });
    this.timerButton = h("button", { type: "button", class: "secondary", "aria-haspopup": "dialog", "data-key": "timer", onclick: () => this.pickTimer() });
    const attach = h("hl-attach-button", { conversation: this.cid });
    const voice = h("hl-voice-recorder", { conversation: this.cid });
    this.tools = h("div", { class: "composer-tools" }, this.timerButton, attach, voice);
    this.submit = h("button", { type: "submit", class: "primary" }, "Send");
    this.form = h(
      "form",
      { class: "composer", onsubmit: (e) => (e.preventDefault(), this.send()) },
      this.context,
      h("div", { class: "composer-panels" }, attach.panel, voice.panel),
      this.tools,
      h("label", { for: "composer", class: "visually-hidden" }, `Message to ${other.displayName}`),
      this.input,
      this.submit,
      h("p", { class: "hint", id: "composer-hint" }, "Press Enter to send. Shift + Enter starts a new line."),
    );
    this.input.addEventListener("input", () => {
      this.grow();
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
    this.input.style.height = `${Math.min(this.input.scrollHeight + 4, innerHeight * 0.4)}px`;
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
    this.input.focus();
    this.input.setSelectionRange(m.content.length, m.content.length);
  }

  cancel() {
    const editing = this.mode?.edit;
    this.mode = null;
    if (editing) this.input.value = "";
    this.grow();
    this.renderContext();
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
    this.dispatchEvent(new CustomEvent("hl-sent", { bubbles: true }));
  }
}

customElements.define("hl-composer", Composer);
