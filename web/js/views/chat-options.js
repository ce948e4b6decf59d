// The chat's menu (More in the header), in a dialog: a video call, search in
// this chat, the disappearing-messages timer, blocking (or unblocking) the
// other person, reporting them to support, for a volunteer getting help from
// staff for the other person (a safety alert about this chat), and End chat.

import { h, icon, modal, announce, notice, confirmBox, timerLabel } from "../dom.js";
import { store } from "../state.js";
import { chooseTimer } from "./timer-dialog.js";
import { reportDialog } from "./report-dialog.js";
import { helpDialog } from "./help-dialog.js";

/** Lets the person set the chat's timer (conversation:settings). */
export async function changeTimer(thread) {
  const c = thread.conversation;
  const value = await chooseTimer({
    title: "Disappearing messages",
    text: "New messages in this chat disappear for everyone after this time. Messages already sent keep their timer.",
    current: c.autoDeleteSecs ?? null,
  });
  if (value === undefined || value === (c.autoDeleteSecs ?? null)) return;
  try {
    await store.setTimer(thread.cid, value);
    announce(`Disappearing messages: ${timerLabel(value)}.`);
  } catch (error) {
    notice(error.message);
  }
}

/** Opens the chat's menu (a dialog of big buttons), once it knows (from the
 *  server) whether the other is blocked. The More button says it is open
 *  (aria-expanded); Escape or Close shut it and the focus returns to More. */
export async function chatOptions(thread) {
  const more = thread.querySelector("[data-key=chat-options]");
  more?.setAttribute("aria-expanded", "true");
  try {
    await store.refreshBlocks();
  } catch {
    // Offline: the last known list.
  }
  if (!store.user || !thread.isConnected) return more?.setAttribute("aria-expanded", "false"); // signed out or left meanwhile
  const c = thread.conversation;
  const other = store.other(c);
  const active = c.status === "active";
  const blocked = store.isBlocked(other.id);
  const restore = () => thread.querySelector("[data-key=chat-options]");
  const then = (fn) => () => {
    dialog.close();
    fn();
  };
  const dialog = h(
    "dialog",
    { class: "chat-options", "aria-labelledby": "chat-options-title" },
    h("h2", { id: "chat-options-title" }, `Chat with ${other.displayName}`),
    h(
      "div",
      { class: "actions stack" },
      active
        ? h(
            "button",
            { type: "button", class: "secondary big", "data-key": "video-call", disabled: store.calls.busy, onclick: then(() => store.calls.invite(thread.cid, "video")) },
            icon("video"),
            "Video call",
            h("span", { class: "visually-hidden" }, ` ${other.displayName}`),
          )
        : null,
      h("button", { type: "button", class: "secondary big", "data-key": "search-chat", onclick: then(() => thread.toggleSearch(true)) }, "Search this chat"),
      active
        ? h("button", { type: "button", class: "secondary big", onclick: then(() => changeTimer(thread)) }, `Disappearing messages: ${timerLabel(c.autoDeleteSecs)}`)
        : null,
      h("button", { type: "button", class: "secondary big", onclick: then(() => block(other, !blocked, restore)) }, blocked ? `Unblock ${other.displayName}` : `Block ${other.displayName}`),
      h(
        "button",
        {
          type: "button",
          class: "secondary big",
          onclick: then(() =>
            reportDialog({ target: { userId: other.id }, about: `You are reporting ${other.displayName}. Support will read your words and this chat's details.`, restore }),
          ),
        },
        `Report ${other.displayName} to support`,
      ),
      store.user.role === "volunteer"
        ? h(
            "button",
            { type: "button", class: "danger big", "data-key": "get-help", onclick: then(() => helpDialog({ conversationId: thread.cid, name: other.displayName, restore })) },
            `Get help from staff for ${other.displayName}`,
          )
        : null,
      active ? h("button", { type: "button", class: "danger big", "data-key": "end", onclick: then(() => thread.confirmEnd()) }, "End chat") : null,
      h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Close"),
    ),
  );
  dialog.addEventListener("close", () => restore()?.setAttribute("aria-expanded", "false"));
  modal(dialog, { restore });
  restore()?.setAttribute("aria-expanded", "true");
}

async function block(other, blocking, restore) {
  if (blocking) {
    const yes = await confirmBox({
      title: `Block ${other.displayName}?`,
      text: `${other.displayName} will not be able to send you messages or start chats with you. You can unblock them later.`,
      yes: `Yes, block ${other.displayName}`,
      no: "No",
      restore,
    });
    if (!yes) return;
  }
  try {
    await store.setBlocked(other.id, blocking);
    announce(blocking ? `You blocked ${other.displayName}.` : `You unblocked ${other.displayName}.`);
  } catch (error) {
    notice(error.message);
  }
}
