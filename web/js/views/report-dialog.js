// Reporting to support: a dialog asking what happened, for a person
// ({ userId }) or one message ({ messageId }, whose text the server keeps
// as evidence). POST /api/reports; support sees it at once.

import { h, fill, modal } from "../dom.js";
import { store } from "../state.js";

/** Opens the report dialog. `about` says what is reported, in words. */
export function reportDialog({ target, about, restore }) {
  const reason = h("textarea", { id: "report-reason", rows: 4, maxlength: 1000, "aria-required": "true", "aria-describedby": "report-hint report-error" });
  const error = h("p", { class: "form-error", id: "report-error", role: "alert" });
  const body = h("div");
  const dialog = h("dialog", { class: "report", "aria-labelledby": "report-title" }, body);
  const submit = async (e) => {
    e.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      reason.setAttribute("aria-invalid", "true");
      error.textContent = "Please say in a few words what happened.";
      return reason.focus();
    }
    try {
      await store.report(target, text);
    } catch (failure) {
      error.textContent = failure.message;
      return;
    }
    fill(
      body,
      h("div", { role: "status" }, h("h2", { id: "report-title" }, "Thank you for telling us"), h("p", null, "Support will look at this soon.")),
      h("button", { type: "button", class: "primary big", onclick: () => dialog.close() }, "Close"),
    );
    body.querySelector("button").focus();
  };
  fill(
    body,
    h("h2", { id: "report-title" }, "Report to support"),
    h("p", null, about),
    h(
      "form",
      { onsubmit: submit },
      h("label", { for: "report-reason" }, "What happened?"),
      h("p", { class: "hint", id: "report-hint" }, "Support staff will read this. Up to 1000 characters."),
      reason,
      error,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "danger big" }, "Send report"),
        h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Cancel"),
      ),
    ),
  );
  modal(dialog, { focus: reason, restore });
}
