// Caregivers, with consent. Two screens:
// - <hl-caregiver-home>: a caregiver's home (a family member or carer). One
//   card per person who invited them (GET /api/caregiving, which the
//   person sees as a visit): when they last talked to someone, this week's
//   chats and calls in words, and any safety alert still open. Never what
//   anyone said. Under the cards, "Add a person with their code"
//   (POST /api/caregiving/redeem). A caregiver has no live connection.
// - caregiversCard(): the seeker's "Your caregivers" card in Settings:
//   "Invite someone" shows a code plainly with when it stops working;
//   each caregiver with when they looked, "Show volunteers' names" and
//   Remove (after a confirm: DELETE /api/caregivers/{id}).

import { h, fill, announce, clock, dayLabel, plural, spokenDuration, confirmBox } from "../dom.js";
import { api } from "../api.js";

/** "Today at 14:05", "Yesterday at 9:30", "Monday 3 March at 10:00". */
const when = (iso) => `${dayLabel(iso)} at ${clock(iso)}`;

/** Errors in plain words. */
const REDEEM_ERRORS = {
  invalid: "A code has 10 letters and numbers, like ABCDE-23456. Please check it and try again.",
  not_found: "We did not find this code. Please check it, or ask for a new one.",
  code_expired: "This code is more than 7 days old and no longer works. Please ask for a new one.",
  code_used: "This code has been used already. Please ask for a new one.",
  conflict: "You can already see how this person is doing.",
};
const said = (e) => (e.status === 0 ? e.message : `Sorry, that did not work: ${e.message}`);

class CaregiverHome extends HTMLElement {
  connectedCallback() {
    document.title = "Home – Helpline";
    this.list = h("div", { class: "caregiving-list", "aria-live": "polite", "aria-busy": "true" }, h("p", { class: "muted" }, "Loading…"));
    fill(
      this,
      h("h1", { tabindex: "-1" }, "People you look in on"),
      h(
        "p",
        { class: "lead" },
        "Here you can see when they last talked to someone at the helpline, and whether they asked for urgent help. You never see what anyone said. They can see each time you look.",
      ),
      this.list,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary big", onclick: () => this.load() }, "Check again")),
      redeemForm(() => this.load()),
    );
    this.load();
  }

  async load() {
    this.list.setAttribute("aria-busy", "true");
    try {
      const people = await api("GET", "/api/caregiving");
      fill(
        this.list,
        people.length
          ? people.map(personCard)
          : h("p", { class: "card empty" }, "Nobody yet. When someone gives you their code, add it below."),
      );
    } catch (e) {
      fill(this.list, h("p", { class: "form-error", role: "alert" }, said(e)));
    } finally {
      this.list.setAttribute("aria-busy", "false");
    }
  }
}

/** What an open alert is, in words (never what anyone wrote). */
function alertText(alert, name) {
  const at = when(alert.raisedAt).toLowerCase();
  if (alert.kind === "scam_guard") return `Messages to ${name} looked like a scam (${at}).`;
  const who = alert.raisedBy === "seeker" ? name : alert.raisedBy === "support" ? "The helpline team" : "A volunteer";
  return `${who} asked for urgent help ${at}.`;
}

/** One person's card: facts only. */
function personCard(person) {
  const id = `person-${person.seekerId}`;
  const last = person.lastContactAt ? `Last talked to someone: ${when(person.lastContactAt)}.` : "Has not talked to anyone at the helpline yet.";
  const week = `In the last 7 days: ${plural(person.chatsThisWeek, "chat")} and ${plural(person.callsThisWeek, "call")}.`;
  return h(
    "section",
    { class: "card person-card", "aria-labelledby": id },
    h("h2", { id }, person.name),
    person.openAlerts.length
      ? person.openAlerts.map((alert) =>
          h(
            "p",
            { class: "banner help-banner person-alert", "data-status": alert.status },
            `${alertText(alert, person.name)} ${
              alert.status === "acknowledged" ? "The helpline team is on it." : "The helpline team has been told."
            }`,
          ),
        )
      : null,
    (person.openWelfare ?? []).map((check) =>
      h(
        "p",
        { class: "banner help-banner person-welfare" },
        `${check.cause === "checkins_missed" ? `${person.name} missed two regular check-ins in a row` : `A call with ${person.name} was cut off and nobody has been in touch since`} (${when(check.since).toLowerCase()}). The helpline team has been told and will check on ${person.name}.`,
      ),
    ),
    h("p", { class: "last-contact" }, last),
    h("p", { class: "week" }, week),
    person.contacts.length
      ? h(
          "ul",
          { class: "contacts", "aria-label": `${person.name}'s chats and calls this week` },
          person.contacts.map((c) => h("li", null, contactText(c))),
        )
      : null,
  );
}

/** "A chat with a volunteer (Sam), Today at 14:05." / "A call of 12 minutes …". */
function contactText(c) {
  const who = c.with === "support" ? "the helpline team" : "a volunteer";
  const name = c.volunteerName ? ` (${c.volunteerName})` : "";
  if (c.kind === "call") {
    const length = c.durationSecs != null ? ` of ${spokenDuration(c.durationSecs)}` : "";
    return `A call${length} with ${who}${name}, ${when(c.at).toLowerCase()}.`;
  }
  return `A chat with ${who}${name}, ${when(c.at).toLowerCase()}.`;
}

/** "Add a person with their code". */
function redeemForm(done) {
  const error = h("p", { class: "field-error", id: "redeem-code-error", role: "alert" });
  const input = h("input", {
    id: "redeem-code",
    name: "code",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    "aria-describedby": "redeem-code-hint redeem-code-error",
  });
  const button = h("button", { type: "submit", class: "primary big" }, "Add this person");
  const submit = async (event) => {
    event.preventDefault();
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    const code = input.value.trim();
    if (!code) {
      error.textContent = "Please type the code you were given.";
      input.setAttribute("aria-invalid", "true");
      return input.focus();
    }
    button.disabled = true;
    try {
      const link = await api("POST", "/api/caregiving/redeem", { code });
      input.value = "";
      announce(`You can now see how ${link.seekerName} is doing.`);
      done();
    } catch (e) {
      error.textContent = REDEEM_ERRORS[e.code] ?? said(e);
      input.setAttribute("aria-invalid", "true");
      input.focus();
    } finally {
      button.disabled = false;
    }
  };
  return h(
    "form",
    { class: "card redeem-card", "aria-labelledby": "redeem-title", novalidate: true, onsubmit: submit },
    h("h2", { id: "redeem-title" }, "Add a person with their code"),
    h("label", { for: "redeem-code" }, "Code"),
    h("p", { class: "hint", id: "redeem-code-hint" }, "The person you care for can make a code in their Settings. It looks like ABCDE-23456 and works for 7 days."),
    input,
    error,
    button,
  );
}

customElements.define("hl-caregiver-home", CaregiverHome);

/** The seeker's "Your caregivers" card (Settings). */
export function caregiversCard() {
  const status = h("p", { class: "caregivers-status", role: "status" });
  const code = h("div", { class: "new-code" });
  const list = h("div", { class: "caregivers-list" });
  const invite = async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    status.textContent = "";
    try {
      const made = await api("POST", "/api/caregivers/invitations", {});
      fill(
        code,
        h("p", null, "Give this code to the person you choose. They sign up as “Family member or carer” and type it in."),
        h("p", { class: "code", id: "caregiver-code" }, made.code),
        h("p", { class: "hint" }, `It works once, until ${when(made.expiresAt).toLowerCase()}.`),
      );
      announce(`Your code is ${made.code.split("").join(" ")}. It works until ${when(made.expiresAt).toLowerCase()}.`);
    } catch (e) {
      status.textContent = e.code === "conflict" ? "You have 5 codes waiting already. Please wait until they are used, or ask for help." : said(e);
    } finally {
      button.disabled = false;
    }
  };
  const load = async () => {
    try {
      const caregivers = await api("GET", "/api/caregivers");
      fill(list, caregivers.length ? caregivers.map((c) => caregiverItem(c, load, status)) : h("p", { class: "muted" }, "Nobody can look in on you at the moment."));
    } catch (e) {
      fill(list, h("p", { class: "form-error" }, said(e)));
    }
  };
  load();
  return h(
    "section",
    { class: "card caregivers-card", "aria-labelledby": "caregivers-title" },
    h("h2", { id: "caregivers-title" }, "Your caregivers"),
    h(
      "p",
      { class: "hint" },
      "A family member or carer you choose can see when you last talked to someone here and whether you asked for urgent help. They never see what you said. You see each time they look, and you can remove them at any time.",
    ),
    h("button", { type: "button", class: "secondary big", onclick: invite }, "Invite someone"),
    code,
    list,
    status,
  );
}

/** One caregiver: their looks, the names choice and Remove. */
function caregiverItem(c, reload, status) {
  const id = `caregiver-${c.caregiverId}`;
  const box = h("input", {
    type: "checkbox",
    id: `${id}-names`,
    checked: c.showVolunteerNames,
    onchange: async () => {
      const wanted = box.checked;
      box.disabled = true;
      try {
        await api("PUT", `/api/caregivers/${encodeURIComponent(c.caregiverId)}`, { showVolunteerNames: wanted });
        status.textContent = wanted ? `${c.name} now sees volunteers' names.` : `${c.name} no longer sees volunteers' names.`;
      } catch (e) {
        box.checked = !wanted;
        status.textContent = said(e);
      } finally {
        box.disabled = false;
      }
    },
  });
  const remove = async (event) => {
    const button = event.currentTarget;
    const yes = await confirmBox({
      title: `Remove ${c.name}?`,
      text: `${c.name} will no longer see anything about you, from now on. You can invite them again later.`,
      yes: "Remove",
      no: "Keep",
    });
    if (!yes) return;
    button.disabled = true;
    try {
      await api("DELETE", `/api/caregivers/${encodeURIComponent(c.caregiverId)}`);
      status.textContent = `${c.name} was removed. They can no longer see anything about you.`;
      announce(status.textContent);
    } catch (e) {
      status.textContent = said(e);
    }
    reload();
  };
  const looks = c.viewCount
    ? h(
        "details",
        null,
        h("summary", null, `Looked ${c.viewCount === 1 ? "once" : `${c.viewCount} times`}, last ${when(c.views[0]).toLowerCase()}`),
        h("ul", { class: "views" }, c.views.map((v) => h("li", null, when(v)))),
      )
    : h("p", { class: "muted" }, "Has not looked yet.");
  return h(
    "div",
    { class: "caregiver", "aria-labelledby": id, role: "group" },
    h("h3", { id }, c.name),
    h("p", { class: "muted" }, `Can look in since ${when(c.since).toLowerCase()}.`),
    looks,
    h("div", { class: "choice" }, box, h("label", { for: `${id}-names` }, "Show volunteers' names")),
    h("button", { type: "button", class: "danger", onclick: remove }, `Remove ${c.name}`),
  );
}
