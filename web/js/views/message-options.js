// What one can do with a message, in a dialog of big buttons: react (a few
// emoji, each with its word), reply, and for one's own messages edit and
// delete for everyone; others' messages can be reported to support.

import { h, modal, announce, notice, confirmBox } from "../dom.js";
import { store } from "../state.js";
import { REACTIONS, excerpt, summary } from "./bubble.js";
import { reportDialog } from "./report-dialog.js";

/** Opens the options of message `m` in `thread` (an <hl-thread>). */
export function messageOptions(thread, m) {
  const mine = m.senderId === store.user.id;
  const active = thread.conversation?.status === "active";
  const who = mine ? "your message" : `${store.other(thread.conversation).displayName}'s message`;
  const restore = () => thread.bubbleOf(m.seq) ?? thread.composerInput();
  const then = (fn) => () => {
    dialog.close();
    fn();
  };
  const reactions = active
    ? h(
        "fieldset",
        { class: "picker" },
        h("legend", null, "React"),
        h(
          "ul",
          { class: "plain picker-list" },
          REACTIONS.map(([emoji, word]) => {
            const pressed = m.reactions?.some((r) => r.emoji === emoji && r.userIds?.includes(store.user.id));
            return h(
              "li",
              null,
              h(
                "button",
                { type: "button", class: "pick-reaction", "aria-pressed": pressed ? "true" : "false", onclick: then(() => thread.react(m, emoji)) },
                h("span", { class: "emoji", "aria-hidden": "true" }, emoji),
                h("span", null, word),
              ),
            );
          }),
        ),
      )
    : null;
  const actions = [
    active ? h("button", { type: "button", class: "secondary big", onclick: then(() => thread.composer()?.startReply(m)) }, "Reply") : null,
    active && mine ? h("button", { type: "button", class: "secondary big", onclick: then(() => thread.composer()?.startEdit(m)) }, "Edit") : null,
    mine ? h("button", { type: "button", class: "danger big", onclick: then(() => remove(thread, m)) }, "Delete for everyone") : null,
    !mine
      ? h(
          "button",
          {
            type: "button",
            class: "secondary big",
            onclick: then(() => reportDialog({ target: { messageId: m.id }, about: `You are reporting this message: “${excerpt(summary(m), 120)}”`, restore })),
          },
          "Report this message",
        )
      : null,
    h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Close"),
  ];
  const dialog = h(
    "dialog",
    { class: "message-options", "aria-labelledby": "options-title", "aria-describedby": "options-text" },
    h("h2", { id: "options-title" }, `Options for ${who}`),
    h("p", { id: "options-text", class: "options-quote" }, excerpt(summary(m), 120)),
    reactions,
    h("div", { class: "actions stack" }, actions),
  );
  modal(dialog, { restore });
}

async function remove(thread, m) {
  const yes = await confirmBox({
    title: "Delete this message for everyone?",
    text: `“${excerpt(summary(m), 80)}” will be removed for everyone in this chat. This cannot be undone.`,
    yes: "Yes, delete it",
    no: "No, keep it",
    restore: () => thread.bubbleOf(m.seq),
  });
  if (!yes) return;
  try {
    await store.deleteMessage(thread.cid, m.id);
    // Its Options button is gone: the focus goes to the tombstone.
    thread.focusMessage(m.seq);
    announce("Your message was deleted.");
  } catch (error) {
    notice(error.message);
  }
}
