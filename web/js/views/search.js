// <hl-search [conversation="…"]>: full-text search over all of this person's
// chats, or one chat (GET /api/search). The results are buttons; choosing one
// sends `hl-pick` { conversationId, seq } up to the screen, which opens the
// chat at that message. The words found are marked (built as text nodes).

import { h, fill, clock, dayLabel } from "../dom.js";
import { store } from "../state.js";
import { excerpt } from "./bubble.js";

let count = 0;

class Search extends HTMLElement {
  connectedCallback() {
    if (this.form) return;
    const n = count++;
    this.cid = this.getAttribute("conversation");
    const label = this.cid ? "Search this chat" : "Search your chats";
    this.input = h("input", { type: "search", id: `search-${n}`, name: "q", maxlength: 200, autocomplete: "off", enterkeyhint: "search" });
    this.status = h("p", { class: "search-status", role: "status" });
    this.results = h("ul", { class: "plain results", "aria-label": "Search results" });
    this.form = h(
      "form",
      { role: "search", class: "search-form", onsubmit: (e) => (e.preventDefault(), this.run()) },
      h("label", { for: `search-${n}` }, label),
      h("div", { class: "search-row" }, this.input, h("button", { type: "submit", class: "primary" }, "Search")),
    );
    this.clear = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => this.reset() }, "Clear search");
    fill(this, this.form, this.status, this.results, this.clear);
  }

  focus() {
    this.input.focus();
  }

  reset() {
    this.input.value = "";
    fill(this.results);
    this.status.textContent = "";
    this.clear.hidden = true;
    this.input.focus();
  }

  async run() {
    const q = this.input.value.trim();
    if (!q) return (this.status.textContent = "Type a word to look for.");
    this.status.textContent = "Searching…";
    let page;
    try {
      page = await store.search(q, this.cid);
    } catch (error) {
      this.status.textContent = error.status === 400 ? "Please type a word with letters or numbers." : error.message;
      return;
    }
    const found = page.results.length;
    this.status.textContent = found ? `${found}${page.hasMore ? "+" : ""} ${found === 1 ? "message" : "messages"} found for “${q}”.` : `Nothing found for “${q}”.`;
    this.clear.hidden = false;
    const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    fill(this.results, page.results.map((m) => this.item(m, words)));
  }

  item(m, words) {
    const c = store.conversations.get(m.conversationId) ?? store.archived?.find((x) => x.id === m.conversationId);
    const other = store.other(c).displayName;
    const who = m.senderId === store.user.id ? "You" : other;
    const day = dayLabel(m.createdAt);
    return h(
      "li",
      null,
      h(
        "button",
        { type: "button", class: "result", onclick: () => this.dispatchEvent(new CustomEvent("hl-pick", { bubbles: true, detail: { conversationId: m.conversationId, seq: m.seq } })) },
        h("span", { class: "result-head" }, this.cid ? who : `Chat with ${other} · ${who}`, h("span", { class: "muted" }, ` · ${day === "Today" ? "" : `${day}, `}${clock(m.createdAt)}`)),
        h("span", { class: "result-text" }, marked(around(m.content, words), words)),
      ),
    );
  }
}

/** The part of `text` around the first word found (at most 160 characters). */
function around(text, words) {
  const lower = text.toLowerCase();
  const at = Math.min(...words.map((w) => lower.indexOf(w)).filter((i) => i >= 0), text.length);
  const start = Math.max(0, Math.min(at - 40, text.length - 160));
  return (start > 0 ? "…" : "") + excerpt(text.slice(start), 160);
}

/** Text with each searched word wrapped in <mark> (text nodes only). */
function marked(text, words) {
  if (!words.length) return [text];
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return text.split(new RegExp(`(${escaped.join("|")})`, "giu")).map((part, i) => (i % 2 ? h("mark", null, part) : part));
}

customElements.define("hl-search", Search);
