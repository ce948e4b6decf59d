// <hl-thread conversation="…">: one conversation. The header, one row (back,
// who and the chat's state, its disappearing-messages timer when one is set,
// Call, and More: the chat's menu with video call, search, timer, block,
// report and End chat), the messages (bubbles, day separators, system messages, pending and
// read states, older messages on scroll), the typing line and the composer
// (<hl-composer>) or, once ended, the rating prompt. Edits, deletions and
// reactions arrive through the store and rebuild only the bubbles they touch.

import { h, fill, keepFocus, ROLES, icon, announce, notice, confirmBox, timerLabel, dayLabel } from "../dom.js";
import { api } from "../api.js";
import { store } from "../state.js";
import { fillBubble, signature, reactionName } from "./bubble.js";
import { messageOptions } from "./message-options.js";
import { glyph } from "./glyphs.js";
import { chatOptions, changeTimer } from "./chat-options.js";
import "./composer.js";
import { helpDialog } from "./help-dialog.js";
import "./search.js";

class Thread extends HTMLElement {
  connectedCallback() {
    this.cid = this.getAttribute("conversation");
    this.items = new Map();
    this.ready = false;
    store.viewing = this.cid;
    this.head = h("header", { class: "thread-head" });
    this.searchPane = h(
      "div",
      { class: "thread-search", id: "thread-search", hidden: true },
      h("hl-search", { conversation: this.cid }),
      h("button", { type: "button", class: "secondary", "data-key": "close-search", onclick: () => this.toggleSearch(false) }, "Close search"),
    );
    this.searchPane.addEventListener("keydown", (e) => e.key === "Escape" && (e.preventDefault(), this.toggleSearch(false)));
    this.log = h("ol", { class: "log", "aria-label": "Messages" });
    this.older = h("button", { type: "button", class: "secondary older", hidden: true, onclick: () => this.loadOlder() }, "Show earlier messages");
    // A seeker's "I need help" floats at the top of the conversation (the
    // header and the top bar have no room for it on a phone).
    const help = store.user.role === "seeker" ? h("div", { class: "help-float" }, h("hl-help-button", { conversation: this.cid })) : null;
    this.scroller = h("div", { class: "messages", tabindex: "0", role: "region", "aria-label": "Conversation" }, help, this.older, h("div", { role: "log", "aria-live": "polite" }, this.log));
    this.typingLine = h("p", { class: "typing", "aria-live": "polite" });
    this.foot = h("div", { class: "thread-foot" });
    fill(this, this.head, this.searchPane, this.scroller, this.typingLine, this.foot);
    this.off = [
      store.on("messages", (id) => id === this.cid && this.renderMessages()),
      store.on("typing", (id) => id === this.cid && this.renderTyping()),
      store.on("conversations", () => this.renderFrame()),
      store.on("rated", () => this.renderFoot(true)),
    ];
    this.addEventListener("hl-pick", (e) => this.reveal(e.detail.seq));
    this.addEventListener("hl-sent", () => (this.scroller.scrollTop = this.scroller.scrollHeight));
    this.onVisible = () => document.visibilityState === "visible" && store.markRead(this.cid);
    document.addEventListener("visibilitychange", this.onVisible);
    new IntersectionObserver((entries) => entries[0].isIntersecting && this.ready && this.loadOlder(), { root: this.scroller }).observe(this.older);
    this.renderFrame();
    this.renderMessages();
    store.loadLatest(this.cid).then(async () => {
      const jump = store.jump?.conversationId === this.cid ? store.jump.seq : null;
      store.jump = null;
      if (jump != null) await this.reveal(jump);
      else this.scroller.scrollTop = this.scroller.scrollHeight;
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
    return store.conversations.get(this.cid) ?? store.archived?.find((c) => c.id === this.cid);
  }

  composer() {
    return this.querySelector("hl-composer");
  }

  composerInput() {
    return this.querySelector("#composer");
  }

  bubbleOf(seq) {
    return this.log.querySelector(`li[data-seq="${seq}"] button.options`);
  }

  renderFrame() {
    const c = this.conversation;
    const other = store.other(c);
    const blocked = c ? store.isBlocked(other.id) : false;
    const state = c ? `${c.status}|${c.autoDeleteSecs ?? "off"}|${blocked}` : "loading";
    if (this.state === state) return;
    this.state = state;
    document.title = `Chat with ${other.displayName} – Helpline`;
    const active = c?.status === "active";
    keepFocus(this.head, () =>
      fill(
        this.head,
        h("a", { class: "back", href: "/chats", "data-link": true }, icon("back"), h("span", { class: "back-label" }, "Chats")),
        h(
          "div",
          { class: "who" },
          h("h1", { tabindex: "-1" }, c ? other.displayName : "Chat"),
          c ? h("p", { class: "muted who-state" }, `${active ? "Chatting now" : "Chat ended"} · ${ROLES[other.role] ?? other.role}`) : null,
          c && c.autoDeleteSecs != null
            ? h(
                active ? "button" : "p",
                active ? { type: "button", class: "link timer-status", "data-key": "timer-status", "aria-haspopup": "dialog", onclick: () => changeTimer(this) } : { class: "timer-status" },
                `Disappearing messages: ${timerLabel(c.autoDeleteSecs)}`,
              )
            : null,
          blocked ? h("p", { class: "blocked-note" }, `You blocked ${other.displayName}. They cannot send you messages.`) : null,
        ),
        c
          ? h(
              "div",
              { class: "head-actions" },
              active ? h("hl-call-buttons", { conversation: this.cid, media: "voice", "data-key": "call" }) : null,
              h(
                "button",
                { type: "button", class: "secondary more", "data-key": "chat-options", "aria-haspopup": "dialog", "aria-expanded": "false", onclick: () => chatOptions(this) },
                glyph("more"),
                h("span", { class: "more-label" }, "More"),
                h("span", { class: "visually-hidden" }, " chat options"),
              ),
            )
          : null,
      ),
    );
    this.renderFoot();
    // Reactions and replies need an active chat: redraw the bubbles.
    if (this.wasActive !== active) {
      this.wasActive = active;
      this.renderMessages();
    }
  }

  /** Shows (or hides) the search over this chat, under the header. */
  toggleSearch(on = this.searchPane.hidden) {
    this.searchPane.hidden = !on;
    if (on) this.searchPane.querySelector("hl-search").focus();
    else this.head.querySelector("[data-key=chat-options]")?.focus();
  }

  renderFoot(rated = false) {
    const c = this.conversation;
    if (!c) return fill(this.foot, h("p", { class: "muted" }, "Loading the chat…"));
    if (c.status === "active") {
      if (this.composer()) return;
      return fill(this.foot, h("hl-composer", { conversation: this.cid }));
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

  renderTyping() {
    this.typingLine.textContent = store.isTyping(this.cid) ? `${store.other(this.conversation).displayName} is typing…` : "";
  }

  /** Brings the list in line with the store, touching only what changed, so
   *  that the live region announces new messages (and changes) only. */
  renderMessages() {
    const entry = store.messages.get(this.cid) ?? { list: [], hasMore: false };
    const near = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 120;
    const me = store.user.id;
    const active = this.conversation?.status === "active";
    const { seen, delivered } = store.marks(this.cid);
    const other = store.other(this.conversation);
    const ctx = {
      me,
      role: store.user.role,
      active,
      name: (id) => (id === me ? "You" : (this.conversation?.participants?.find((p) => p.id === id) ?? other).displayName),
      onQuote: (replyTo) => this.reveal(replyTo.seq),
      onOptions: (m) => messageOptions(this, m),
      onReact: (m, emoji) => this.react(m, emoji),
      onHelp: () => helpDialog({ conversationId: this.cid, restore: () => this.scroller }),
    };
    const wanted = [];
    let day = null;
    const dated = (iso) => {
      const label = dayLabel(iso);
      if (label !== day) wanted.push({ key: `d:${new Date(iso).toDateString()}`, sig: label, build: (li) => ((li.className = "day"), fill(li, h("span", null, label))) });
      day = label;
    };
    for (const m of entry.list) {
      dated(m.createdAt);
      const mine = m.senderId === me;
      const key = mine && m.clientMessageId ? `c:${m.clientMessageId}` : `s:${m.seq}`;
      if (m.type === "system") {
        wanted.push({ key, sig: m.content, build: (li) => ((li.className = "msg system"), fill(li, h("p", { class: "text" }, m.content))) });
        continue;
      }
      const state = mine && !m.deletedAt ? (m.seq <= seen ? "Seen" : m.seq <= delivered ? "Delivered" : "Sent") : "";
      wanted.push({ key, sig: signature(m, active), build: (li) => fillBubble(li, m, ctx), update: (li) => this.mark(li, state, mine ? "sent" : "") });
    }
    for (const p of store.pending(this.cid)) {
      dated(p.createdAt);
      const state = p.status === "failed" ? p.error : "Waiting to send";
      wanted.push({ key: `c:${p.clientMessageId}`, sig: signature(p, "pending"), build: (li) => fillBubble(li, p, { ...ctx, pending: true }), update: (li) => this.mark(li, state, p.status, p) });
    }
    let cursor = this.log.firstElementChild;
    const keep = new Set();
    for (const item of wanted) {
      let li = this.items.get(item.key);
      if (!li) {
        li = h("li");
        li.dataset.key = item.key;
        this.items.set(item.key, li);
      }
      if (li.dataset.sig !== item.sig) {
        keepFocus(li, () => item.build(li));
        li.dataset.sig = item.sig;
        delete li.dataset.state;
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
    if ((near || !this.ready) && !this.revealing) this.scroller.scrollTop = this.scroller.scrollHeight;
    if (this.ready) store.markRead(this.cid);
  }

  mark(li, text, kind, pending) {
    const el = li.querySelector(".state");
    if (!el || li.dataset.state === text) return;
    li.dataset.state = text;
    li.classList.toggle("pending", kind === "pending");
    li.classList.toggle("failed", kind === "failed");
    fill(
      el,
      text ? (kind === "pending" ? icon("clock") : kind === "sent" ? icon("tick") : null) : null,
      text,
      kind === "failed" ? h("button", { type: "button", class: "link", onclick: () => store.discard(pending.clientMessageId) }, "Remove") : null,
    );
  }

  /** Moves the focus to message `seq` (when shown); returns its element. */
  focusMessage(seq) {
    const li = this.log.querySelector(`li[data-seq="${seq}"]`);
    if (!li) return null;
    li.tabIndex = -1;
    li.focus({ preventScroll: true });
    return li;
  }

  /** Scrolls to message `seq` (loading older pages if needed), marks it for
   *  a moment and moves focus to it, so screen readers read it. */
  async reveal(seq) {
    this.revealing = true;
    try {
      const found = await store.loadUntil(this.cid, seq);
      this.renderMessages();
      const li = found && this.focusMessage(seq);
      if (!li) return announce("That message is no longer in this chat.");
      this.log.querySelector(".hit")?.classList.remove("hit");
      li.classList.add("hit");
      li.scrollIntoView({ block: "center" });
    } catch {
      announce("Could not load that message.");
    } finally {
      this.revealing = false;
    }
  }

  async react(m, emoji) {
    const had = m.reactions?.some((r) => r.emoji === emoji && r.userIds?.includes(store.user.id));
    try {
      await store.react(this.cid, m.id, emoji);
      announce(had ? `Reaction ${reactionName(emoji)} removed.` : `You reacted: ${reactionName(emoji)}.`);
    } catch (error) {
      notice(error.message);
    }
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

  async confirmEnd() {
    const other = store.other(this.conversation).displayName;
    const yes = await confirmBox({
      title: `End this chat with ${other}?`,
      text: "You will not be able to send more messages in this chat.",
      yes: "Yes, end the chat",
      no: "No, keep chatting",
      restore: () => this.head.querySelector("[data-key=chat-options]") ?? this.head.querySelector("h1"),
    });
    if (!yes) return;
    try {
      await store.endChat(this.cid);
      announce("The chat has ended.");
    } catch {
      notice("The chat could not be ended: you are not connected. Please try again.");
    }
  }
}

customElements.define("hl-thread", Thread);
