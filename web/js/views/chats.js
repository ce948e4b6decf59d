// <hl-chats [conversation="…"]>: the Chats screen. The list (unread badges,
// last message, the other person's role, archive), a search over all chats
// whose results open the chat at the message, and beside it (desktop) or
// instead of it (phone) the open conversation, an <hl-thread>.

import { h, fill, keepFocus, clock, ROLES, announce, go } from "../dom.js";
import { store } from "../state.js";
import { summary } from "./bubble.js";
import "./thread.js";
import "./search.js";

class Chats extends HTMLElement {
  connectedCallback() {
    document.title = "Chats – Helpline";
    this.classList.add("split");
    this.list = h("nav", { class: "conv-list", "aria-labelledby": "conv-list-title" });
    this.search = h("hl-search");
    this.pane = h("div", { class: "thread-pane" });
    fill(this, h("div", { class: "conv-side-pane" }, this.search, this.list), this.pane);
    this.search.addEventListener("hl-pick", (e) => this.pick(e.detail));
    this.off = store.on("conversations", () => keepFocus(this.list, () => this.renderList()));
    this.open(this.getAttribute("conversation"));
  }

  disconnectedCallback() {
    this.off();
  }

  /** A search result: open its chat at the message found. */
  pick({ conversationId, seq }) {
    const thread = this.pane.querySelector("hl-thread");
    if (thread?.getAttribute("conversation") === conversationId) return thread.reveal(seq);
    store.jump = { conversationId, seq };
    go(`/chats/${encodeURIComponent(conversationId)}`);
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
    const preview = last ? `${last.senderId === store.user.id ? "You: " : ""}${last.deletedAt ? "Message deleted" : summary(last)}` : "No messages yet";
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

customElements.define("hl-chats", Chats);
