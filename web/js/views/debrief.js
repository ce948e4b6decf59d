// The debrief offer (newer servers' `wellbeing:debrief`): after an
// emotional-support chat ends, or a safety alert the volunteer was part of
// is dealt with, a card at the bottom of the screen offers to talk it over
// with a member of staff. "Talk to staff" opens that conversation
// (POST /api/me/debrief); "Not now" puts the card away. It stays until the
// volunteer answers: a short-lived notice would be easy to miss.

import { h, go, announce } from "../dom.js";
import { api } from "../api.js";
import { store } from "../state.js";

const SAID = {
  emotional: "That was a conversation about feelings, and those can be heavy. Would you like to talk it over with a member of staff?",
  alert: "A safety alert you were part of has been dealt with. Would you like to talk it over with a member of staff?",
};

store.on("debrief", ({ reason }) => {
  const list = document.getElementById("notices");
  if (!list || list.querySelector(".debrief")) return;
  const text = SAID[reason] ?? SAID.emotional;
  const error = h("p", { class: "form-error", role: "alert" });
  const card = h(
    "section",
    { class: "notice debrief", "aria-labelledby": "debrief-title" },
    h("h2", { id: "debrief-title" }, "Take a moment"),
    h("p", null, text),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", onclick: (e) => talk(e.currentTarget) }, "Talk to staff"),
      h("button", { type: "button", class: "secondary", onclick: () => card.remove() }, "Not now"),
    ),
  );
  const talk = async (button) => {
    button.disabled = true;
    error.textContent = "";
    try {
      const opened = await api("POST", "/api/me/debrief", {});
      card.remove();
      announce(`A conversation with ${opened.staff.displayName} is open.`);
      go(`/chats/${opened.conversationId}`);
    } catch (e) {
      button.disabled = false;
      error.textContent = e.status === 0 ? e.message : `We could not reach staff just now: ${e.message}`;
    }
  };
  list.append(card);
  announce(text);
});
