// One message in a thread: what its bubble shows (the quoted message it
// answers, its attachment, its text or "Message deleted", reactions, the time, "Edited",
// its timer) and its buttons: one quiet Options button (⋮) beside the bubble,
// also opened by a long press or right click. Text goes in as text nodes only. The delivery
// state ("Sent", "Seen") is kept up to date apart, by the thread.

import { h, fill, clock, dayLabel, icon } from "../dom.js";
import { attachmentLabel } from "../attachments.js";
import { attachmentView } from "./attachment-view.js";
import { glyph } from "./glyphs.js";

/** The reactions the picker offers, each with a word that says what it means. */
export const REACTIONS = [
  ["👍", "Like"],
  ["❤️", "Love"],
  ["😂", "Funny"],
  ["😮", "Wow"],
  ["😢", "Sad"],
  ["🙏", "Thanks"],
];

export const reactionName = (emoji) => REACTIONS.find(([e]) => e === emoji)?.[1] ?? emoji;

/** What changes a bubble's contents (a new signature rebuilds it). */
export const signature = (m, extra = "") =>
  JSON.stringify([m.content, m.editedAt, m.deletedAt, m.reactions, m.replyTo, m.expiresAt, m.viewOnce, m.attachment?.id, m.flags, extra]);

/** What a message says in words: its text, or what it carries. */
export const summary = (m) => m.content || attachmentLabel(m) || "";

/** A short excerpt of a message, for labels and quotes. */
export const excerpt = (text, length = 40) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** When a message disappears, in words (or null). */
export function expiry(m) {
  if (m.viewOnce) return "View once";
  if (!m.expiresAt) return null;
  const day = dayLabel(m.expiresAt);
  const when = day === "Today" ? "" : day === "Tomorrow" ? "tomorrow " : `${day} `;
  return `Disappears ${when}at ${clock(m.expiresAt)}`;
}

/**
 * Fills `li` with message `m`.
 * ctx: { me, role (the reader's), name(userId) → display name, active (the chat can change),
 *        pending (an outbox item), onQuote(replyTo), onOptions(m), onReact(m, emoji),
 *        onHelp(m) (a seeker's "I need help" beside a scam warning) }
 */
export function fillBubble(li, m, ctx) {
  const mine = m.senderId === ctx.me || ctx.pending;
  const who = mine ? "You" : ctx.name(m.senderId);
  li.className = `msg ${mine ? "mine" : "theirs"}${m.deletedAt ? " deleted" : ""}`;
  if (m.seq) li.dataset.seq = m.seq;
  const parts = [];
  if (m.replyTo) parts.push(quote(m.replyTo, ctx));
  const attached = attachmentView(m, who);
  if (attached) parts.push(attached);
  if (m.deletedAt) parts.push(h("p", { class: "text" }, h("span", { class: "visually-hidden" }, `${who}: `), h("em", null, "Message deleted")));
  else if (!attached || m.content) parts.push(h("p", { class: "text" }, h("span", { class: "visually-hidden" }, attached ? "Caption: " : `${who}: `), m.content));
  if (m.reactions?.length) parts.push(reactions(m, ctx));
  if (!mine && !m.deletedAt && m.flags?.includes("scam_warning")) parts.push(scamWarning(m, ctx));
  const timer = expiry(m);
  parts.push(
    h(
      "p",
      { class: "meta" },
      h("time", { datetime: m.createdAt }, clock(m.createdAt)),
      m.editedAt && !m.deletedAt ? h("span", { class: "edited" }, "Edited") : null,
      timer && !m.deletedAt ? h("span", { class: "timer" }, timer) : null,
      h("span", { class: "state" }),
      !ctx.pending && !m.deletedAt
        ? h(
            "button",
            { type: "button", class: "options", "data-key": "options", "aria-haspopup": "dialog", onclick: () => ctx.onOptions(m) },
            glyph("more"),
            h("span", { class: "visually-hidden" }, `Options for ${mine ? "your" : `${who}'s`} message: ${excerpt(summary(m))}`),
          )
        : null,
    ),
  );
  fill(li, parts);
  // A long press (touch) or right click on the bubble opens its options too;
  // the button stays the way by keyboard.
  li.oncontextmenu = ctx.pending || m.deletedAt ? null : (e) => {
    if (e.target.closest("a, img, audio, video, button")) return;
    e.preventDefault();
    ctx.onOptions(m);
  };
}

/** The scam guard's warning beside a flagged message: plain advice and
 *  "I need help" for the seeker; a label for support reading the chat. */
function scamWarning(m, ctx) {
  if (ctx.role === "support") return h("p", { class: "scam-warning" }, icon("help"), h("span", null, "Flagged by the scam guard"));
  if (ctx.role !== "seeker") return null;
  return h(
    "div",
    { class: "scam-warning", role: "note", "aria-label": "Warning about this message" },
    h("p", null, icon("help"), h("span", null, "Helpline volunteers never ask for money or bank details. If someone does, tap ‘I need help’.")),
    h("button", { type: "button", class: "danger", "data-key": "scam-help", "aria-haspopup": "dialog", onclick: () => ctx.onHelp(m) }, "I need help"),
  );
}

function quote(replyTo, ctx) {
  const who = replyTo.senderId === ctx.me ? "you" : ctx.name(replyTo.senderId);
  if (replyTo.deleted)
    return h("p", { class: "quote gone" }, icon("reply"), h("span", null, `Reply to ${who}: `, h("em", null, "message deleted")));
  return h(
    "button",
    { type: "button", class: "quote", "data-key": "quote", onclick: () => ctx.onQuote(replyTo) },
    icon("reply"),
    h("span", { class: "quote-body" }, h("span", { class: "quote-who" }, `Reply to ${who}:`), " ", h("span", { class: "quote-text" }, excerpt(replyTo.preview || "a photo, file or voice message", 100))),
    h("span", { class: "visually-hidden" }, " (show that message)"),
  );
}

function reactions(m, ctx) {
  return h(
    "ul",
    { class: "reactions", "aria-label": "Reactions" },
    m.reactions.map((r) => {
      const mineToo = r.userIds?.includes(ctx.me);
      const label = `${reactionName(r.emoji)}: ${r.count}${mineToo ? ", including you" : ""}`;
      const body = [h("span", { "aria-hidden": "true" }, r.emoji), h("span", { "aria-hidden": "true" }, String(r.count))];
      return h(
        "li",
        null,
        ctx.active && !ctx.pending
          ? h(
              "button",
              { type: "button", class: "reaction", "data-key": `r:${r.emoji}`, "aria-pressed": mineToo ? "true" : "false", "aria-label": label, onclick: () => ctx.onReact(m, r.emoji) },
              body,
            )
          : h("span", { class: "reaction", role: "img", "aria-label": label }, body),
      );
    }),
  );
}
