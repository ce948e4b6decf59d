// The chat's own options, in a dialog: the disappearing-messages timer,
// blocking (or unblocking) the other person, and reporting them to support.

import { h, modal, announce, notice, confirmBox, timerLabel } from "../dom.js";
import { store } from "../state.js";
import { chooseTimer } from "./timer-dialog.js";
import { reportDialog } from "./report-dialog.js";

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

/** Opens the dialog, once it knows (from the server) whether the other is blocked. */
export async function chatOptions(thread) {
  await store.refreshBlocks();
  if (!store.user || !thread.isConnected) return; // signed out or left meanwhile
  const c = thread.conversation;
  const other = store.other(c);
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
      c.status === "active"
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
      h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Close"),
    ),
  );
  modal(dialog, { restore });
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
