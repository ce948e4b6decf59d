// The disappearing-messages choice: a dialog with the server's presets as
// radio buttons (Off, View once, 30 seconds … 4 weeks). Used for the whole
// chat (conversation:settings) and for one message (expiresInSecs).

import { h, modal, TIMERS } from "../dom.js";

/** Resolves with the chosen timer (null: off, or for one message the
 *  chat's own setting, named by `offLabel`), or undefined when cancelled. */
export function chooseTimer({ title, text, current = null, offLabel = "Off" }) {
  return new Promise((done) => {
    let chosen;
    const options = TIMERS.map(([value, label], i) =>
      h(
        "div",
        { class: "choice" },
        h("input", { type: "radio", name: "timer", id: `timer-${i}`, value: String(value), checked: value === current }),
        h("label", { for: `timer-${i}` }, value === null ? offLabel : label, value === 0 ? h("span", { class: "muted" }, " – gone once read") : null),
      ),
    );
    const dialog = h(
      "dialog",
      { class: "timer-dialog", "aria-labelledby": "timer-title", "aria-describedby": "timer-text" },
      h("h2", { id: "timer-title" }, title),
      h("p", { id: "timer-text" }, text),
      h(
        "form",
        {
          method: "dialog",
          onsubmit: () => {
            const picked = dialog.querySelector("input[name=timer]:checked")?.value;
            chosen = picked === undefined || picked === "null" ? null : Number(picked);
          },
        },
        h("fieldset", null, h("legend", null, "Messages disappear"), options),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", class: "primary big" }, "Save"),
          h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Cancel"),
        ),
      ),
    );
    dialog.addEventListener("close", () => done(chosen));
    modal(dialog, { focus: dialog.querySelector("input:checked") ?? dialog.querySelector("input") });
  });
}
