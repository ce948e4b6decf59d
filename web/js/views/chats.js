// Conversations: the list (unread badges, last message, the other person's
// role) and the thread (bubbles, day separators, system messages, pending and
// read states, typing, older messages on scroll, the composer, End chat).

import { h, fill, keepFocus, clock, dayLabel, ROLES, icon, announce } from "../dom.js";
import { api } from "../api.js";
import { store } from "../state.js";

class Chats extends HTMLElement {
  connectedCallback() {
    document.title = "Chats – Helpline";
    this.classList.add("split");
    this.list = h("nav", { class: "conv-list", "aria-labelledby": "conv-list-title" });
    this.pane = h("div", { class: "thread-pane" });
    fill(this, this.list, this.pane);
    this.off = store.on("conversations", () => keepFocus(this.list, () => this.renderList()));
    this.open(this.getAttribute("conversation"));
  }

  disconnectedCallback() {
    this.off();
  }

  open(id) {
    this.conversationId = id || null;
    this.classList.toggle("has-thread", !!this.conversationId);
    this.renderList();
    if (this.conversationId) fill(this.pane, h("hl-thread", { conversation: this.conversationId }));
    else fill(this.pane, h("p", { class: "muted pick" }, "Choose a chat from the list."));
    requestAnimationFrame(() => this.querySelector("h1")?.focus({ preventScroll: true }));
  }

  renderList() {
    const Heading = this.conversationId ? "h2" : "h1";
    if (this.showArchived) {
      const archived = store.archived ?? [];
      return fill(
        this.list,
        h(Heading, { id: "conv-list-title", tabindex: "-1" }, "Archived chats"),
        h("button", { type: "button", class: "secondary", "data-key": "archived-toggle", onclick: () => this.toggleArchived(false) }, "Back to your chats"),
        archived.length
          ? h("ul", { class: "plain" }, archived.map((c) => this.item(c, true)))
          : h("p", { class: "muted" }, "You have no archived chats."),
      );
    }
    const conversations = [...store.conversations.values()];
    fill(
      this.list,
      h(Heading, { id: "conv-list-title", tabindex: "-1" }, "Your chats"),
      conversations.length
        ? h("ul", { class: "plain" }, conversations.map((c) => this.item(c)))
        : h("p", { class: "muted" }, store.user.role === "seeker" ? "You have no chats yet. Go to Home to talk to someone." : "You have no chats yet."),
      store.archived?.length
        ? h("button", { type: "button", class: "secondary", "data-key": "archived-toggle", onclick: () => this.toggleArchived(true) }, `Archived chats (${store.archived.length})`)
        : null,
    );
  }

  toggleArchived(on) {
    this.showArchived = on;
    this.renderList();
    this.list.querySelector("h1, h2")?.focus();
  }

  async setArchived(c, archived) {
    const name = store.other(c).displayName;
    try {
      await store.archive(c.id, archived);
      announce(archived ? `The chat with ${name} is archived.` : `The chat with ${name} is back in your chats.`);
      if (!archived && !store.archived.length) this.showArchived = false;
      this.renderList();
      this.list.querySelector("h1, h2")?.focus();
    } catch {
      announce("That did not work. Please try again.");
    }
  }

  item(c, archived = false) {
    const other = store.other(c);
    const last = c.lastMessage;
    const preview = last ? `${last.senderId === store.user.id ? "You: " : ""}${last.deletedAt ? "Message deleted" : last.content}` : "No messages yet";
    const action = h(
      "button",
      { type: "button", class: "secondary conv-action", "data-key": `arch-${c.id}`, onclick: () => this.setArchived(c, !archived) },
      archived ? "Unarchive" : "Archive",
      h("span", { class: "visually-hidden" }, ` chat with ${other.displayName}`),
    );
    return h(
      "li",
      { class: "conv-item" },
      h(
        archived ? "div" : "a",
        archived
          ? { class: "conv" }
          : { class: "conv", href: `/chats/${c.id}`, "data-link": true, "data-key": `conv-${c.id}`, "aria-current": c.id === this.conversationId ? "page" : null },
        h("span", { class: "avatar", "aria-hidden": "true" }, other.displayName.slice(0, 1).toUpperCase()),
        h(
          "span",
          { class: "conv-main" },
          h("span", { class: "conv-name" }, other.displayName, h("span", { class: "conv-role" }, ` · ${ROLES[other.role] ?? other.role}`)),
          h("span", { class: "conv-preview" }, preview),
        ),
        h(
          "span",
          { class: "conv-side" },
          last ? h("time", { datetime: last.createdAt }, clock(last.createdAt)) : null,
          c.status === "ended" ? h("span", { class: "tag" }, "Ended") : null,
          c.unreadCount ? h("span", { class: "badge" }, String(c.unreadCount), h("span", { class: "visually-hidden" }, " unread")) : null,
        ),
      ),
      action,
    );
  }
}

class Thread extends HTMLElement {
  connectedCallback() {
    this.cid = this.getAttribute("conversation");
    this.items = new Map();
    this.ready = false;
    store.viewing = this.cid;
    this.head = h("header", { class: "thread-head" });
    this.log = h("ol", { class: "log", "aria-label": "Messages" });
    this.older = h("button", { type: "button", class: "secondary older", hidden: true, onclick: () => this.loadOlder() }, "Show earlier messages");
    this.scroller = h("div", { class: "messages", tabindex: "0", role: "region", "aria-label": "Conversation" }, this.older, h("div", { role: "log", "aria-live": "polite" }, this.log));
    this.typingLine = h("p", { class: "typing", "aria-live": "polite" });
    this.foot = h("div", { class: "thread-foot" });
    fill(this, this.head, this.scroller, this.typingLine, this.foot);
    this.off = [
      store.on("messages", (id) => id === this.cid && this.renderMessages()),
      store.on("typing", (id) => id === this.cid && this.renderTyping()),
      store.on("conversations", () => this.renderFrame()),
      store.on("rated", () => this.renderFoot(true)),
    ];
    this.onVisible = () => document.visibilityState === "visible" && store.markRead(this.cid);
    document.addEventListener("visibilitychange", this.onVisible);
    new IntersectionObserver((entries) => entries[0].isIntersecting && this.ready && this.loadOlder(), { root: this.scroller }).observe(this.older);
    this.renderFrame();
    this.renderMessages();
    store.loadLatest(this.cid).then(() => {
      this.scroller.scrollTop = this.scroller.scrollHeight;
      this.ready = true;
      store.markRead(this.cid);
    });
  }

  disconnectedCallback() {
    if (store.viewing === this.cid) store.viewing = null;
    this.off.forEach((off) => off());
    document.removeEventListener("visibilitychange", this.onVisible);
    store.typing(this.cid, false);
  }

  get conversation() {
    return store.conversations.get(this.cid);
  }

  renderFrame() {
    const c = this.conversation;
    const status = c ? c.status : "loading";
    if (this.status === status) return;
    this.status = status;
    const other = store.other(c);
    document.title = `Chat with ${other.displayName} – Helpline`;
    fill(
      this.head,
      h("a", { class: "back", href: "/chats", "data-link": true }, icon("back"), "Chats"),
      h("div", { class: "who" }, h("h1", { tabindex: "-1" }, c ? other.displayName : "Chat"), c ? h("p", { class: "muted" }, `${ROLES[other.role] ?? other.role} · ${c.status === "ended" ? "Chat ended" : "Chatting now"}`) : null),
      c?.status === "active" ? h("hl-call-buttons", { conversation: this.cid }) : null,
      c?.status === "active" ? h("button", { type: "button", class: "danger", "data-end": true, onclick: () => this.confirmEnd() }, "End chat") : null,
    );
    this.renderFoot();
  }

  renderFoot(rated = false) {
    const c = this.conversation;
    if (!c) return fill(this.foot, h("p", { class: "muted" }, "Loading the chat…"));
    if (c.status === "active") {
      if (this.foot.querySelector("form")) return;
      return fill(this.foot, this.composer(store.other(c)));
    }
    const rateable = store.user.role === "seeker" && c.requestId && !rated;
    fill(
      this.foot,
      h(
        "div",
        { class: "ended" },
        h("p", null, "This chat has ended."),
        rateable ? h("button", { type: "button", class: "secondary", hidden: true, onclick: () => document.querySelector("hl-rating-dialog").open(c) }, "Rate this chat") : null,
      ),
    );
    if (rateable)
      api("GET", "/api/requests")
        .then((list) => {
          const button = this.foot.querySelector("button");
          if (button && list.find((r) => r.id === c.requestId && r.rating == null)) button.hidden = false;
        })
        .catch(() => {});
  }

  composer(other) {
    const input = h("textarea", { id: "composer", name: "content", rows: 1, maxlength: 4000, "aria-describedby": "composer-hint", placeholder: "Write a message…" });
    const grow = () => {
      input.style.height = "auto";
      input.style.height = `${Math.min(input.scrollHeight + 4, innerHeight * 0.4)}px`;
    };
    const form = h(
      "form",
      { class: "composer", onsubmit: (e) => (e.preventDefault(), this.send(input, grow)) },
      h("label", { for: "composer", class: "visually-hidden" }, `Message to ${other.displayName}`),
      input,
      h("button", { type: "submit", class: "primary" }, "Send"),
      h("p", { class: "hint", id: "composer-hint" }, "Press Enter to send. Shift + Enter starts a new line."),
    );
    input.addEventListener("input", () => {
      grow();
      store.typing(this.cid, input.value.length > 0);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send(input, grow);
      }
    });
    return form;
  }

  send(input, grow) {
    const text = input.value.replace(/\s+$/, "");
    if (!text.trim()) return;
    store.send(this.cid, text);
    input.value = "";
    grow();
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  renderTyping() {
    this.typingLine.textContent = store.isTyping(this.cid) ? `${store.other(this.conversation).displayName} is typing…` : "";
  }

  /** Brings the list in line with the store, touching only what changed, so
   *  that the live region announces new messages only. */
  renderMessages() {
    const entry = store.messages.get(this.cid) ?? { list: [], hasMore: false };
    const near = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 120;
    const me = store.user.id;
    const { seen, delivered } = store.marks(this.cid);
    const wanted = [];
    let day = null;
    const dated = (iso) => {
      const label = dayLabel(iso);
      if (label !== day) wanted.push({ key: `d:${new Date(iso).toDateString()}`, make: () => h("li", { class: "day" }, h("span", null, label)) });
      day = label;
    };
    for (const m of entry.list) {
      dated(m.createdAt);
      const mine = m.senderId === me;
      const key = mine && m.clientMessageId ? `c:${m.clientMessageId}` : `s:${m.seq}`;
      const state = mine ? (m.seq <= seen ? "Seen" : m.seq <= delivered ? "Delivered" : "Sent") : "";
      wanted.push({ key, state, make: () => this.bubble(m, mine), update: (li) => this.mark(li, state, mine ? "sent" : "") });
    }
    for (const p of store.pending(this.cid)) {
      dated(p.createdAt);
      const state = p.status === "failed" ? p.error : "Waiting to send";
      wanted.push({ key: `c:${p.clientMessageId}`, make: () => this.bubble(p, true), update: (li) => this.mark(li, state, p.status, p) });
    }
    let cursor = this.log.firstElementChild;
    const keep = new Set();
    for (const item of wanted) {
      let li = this.items.get(item.key);
      if (!li) {
        li = item.make();
        li.dataset.key = item.key;
        this.items.set(item.key, li);
      }
      item.update?.(li);
      keep.add(item.key);
      if (li !== cursor) this.log.insertBefore(li, cursor);
      else cursor = cursor.nextElementSibling;
    }
    for (const [key, li] of this.items) if (!keep.has(key)) (li.remove(), this.items.delete(key));
    this.older.hidden = !entry.hasMore || !entry.list.length;
    if (!entry.list.length && !store.pending(this.cid).length && !this.log.children.length)
      this.log.setAttribute("data-empty", "Say hello! Your messages appear here.");
    else this.log.removeAttribute("data-empty");
    if (near || !this.ready) this.scroller.scrollTop = this.scroller.scrollHeight;
    if (this.ready) store.markRead(this.cid);
  }

  bubble(m, mine) {
    if (m.type === "system") return h("li", { class: "msg system" }, h("p", { class: "text" }, m.content));
    const who = mine ? "You" : store.other(this.conversation).displayName;
    return h(
      "li",
      { class: `msg ${mine ? "mine" : "theirs"}` },
      h("p", { class: "text" }, h("span", { class: "visually-hidden" }, `${who}: `), m.content),
      h("p", { class: "meta" }, h("time", { datetime: m.createdAt }, clock(m.createdAt)), h("span", { class: "state" })),
    );
  }

  mark(li, text, kind, pending) {
    const el = li.querySelector(".state");
    if (!el || el.dataset.text === text) return;
    el.dataset.text = text;
    li.classList.toggle("pending", kind === "pending");
    li.classList.toggle("failed", kind === "failed");
    fill(
      el,
      text ? (kind === "pending" ? icon("clock") : kind === "sent" ? icon("tick") : null) : null,
      text,
      kind === "failed" ? h("button", { type: "button", class: "link", onclick: () => store.discard(pending.clientMessageId) }, "Remove") : null,
    );
  }

  async loadOlder() {
    if (this.loading) return;
    this.loading = true;
    const before = this.scroller.scrollHeight;
    try {
      await store.loadOlder(this.cid);
      this.scroller.scrollTop += this.scroller.scrollHeight - before;
    } catch {
      announce("Could not load earlier messages.");
    } finally {
      this.loading = false;
    }
  }

  confirmEnd() {
    const other = store.other(this.conversation).displayName;
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
      h("h2", { id: "confirm-title" }, `End this chat with ${other}?`),
      h("p", { id: "confirm-text" }, "You will not be able to send more messages in this chat."),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "danger big", onclick: () => this.end(dialog) }, "Yes, end the chat"),
        h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "No, keep chatting"),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      this.head.querySelector("[data-end]")?.focus();
    });
    this.append(dialog);
    dialog.showModal();
    dialog.querySelector(".secondary").focus();
  }

  async end(dialog) {
    try {
      await store.endChat(this.cid);
      dialog.close();
      announce("The chat has ended.");
    } catch {
      dialog.querySelector("p").textContent = "The chat could not be ended: you are not connected. Please try again.";
    }
  }
}

customElements.define("hl-chats", Chats);
customElements.define("hl-thread", Thread);
