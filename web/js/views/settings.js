// <hl-settings>: the Settings screen, for every role (/settings, linked
// from the top bar). "Comfort and privacy" (text size, high contrast,
// blurred photos: this device only, applied at once, see comfort.js), then
// "Notifications on this device" with the quiet hours and names; for
// seekers it is where notifications are turned on, and where they choose
// whether volunteers they rated well hear of their requests first
// (`preferFamiliar`, saved on the server at once) and "Your caregivers"
// (views/caregiving.js). A caregiver has the comfort card only.

import { h, fill, announce } from "../dom.js";
import { api } from "../api.js";
import { store } from "../state.js";
import { getComfort, setComfort, TEXT_SIZES } from "../comfort.js";
import "./notifications.js";
import { caregiversCard } from "./caregiving.js";

class Settings extends HTMLElement {
  connectedCallback() {
    document.title = "Settings – Helpline";
    fill(
      this,
      h("h1", { tabindex: "-1" }, "Settings"),
      h("p", { class: "lead" }, `Signed in as ${store.user.displayName}.`),
      h(
        "div",
        { class: "settings-columns" },
        comfortCard(),
        store.user.role === "seeker" ? familiarCard() : null,
        store.user.role === "seeker" ? caregiversCard() : null,
        // A caregiver has no notifications (nor anything else but their home).
        store.user.role === "caregiver" ? null : h("hl-notifications"),
      ),
    );
  }
}

/** A seeker's choice: companions they rated 4 or 5 hear of their requests
 *  first (on unless turned off). Hidden until the server says where it
 *  stands, and on a server that does not know the setting. */
function familiarCard() {
  const saved = h("p", { class: "familiar-saved", role: "status" });
  const box = h("input", { type: "checkbox", id: "prefer-familiar", "aria-describedby": "prefer-familiar-hint", onchange: () => save() });
  const card = h(
    "section",
    { class: "card familiar-card", "aria-labelledby": "familiar-title", hidden: true },
    h("h2", { id: "familiar-title" }, "Your companions"),
    h("div", { class: "choice" }, box, h("label", { for: "prefer-familiar" }, "Ask volunteers I gave 4 or 5 stars first")),
    h("p", { class: "hint", id: "prefer-familiar-hint" }, "When the helpline asks a few volunteers at a time, people you liked talking to hear of your requests first. Turn this off to give everyone the same chance."),
    saved,
  );
  const save = async () => {
    const wanted = box.checked;
    box.disabled = true;
    saved.textContent = "";
    try {
      const settings = await api("PUT", "/api/me/settings", { preferFamiliar: wanted });
      box.checked = settings.preferFamiliar;
      saved.textContent = settings.preferFamiliar ? "Saved. Volunteers you rated well are asked first." : "Saved. Everyone has the same chance.";
    } catch (e) {
      box.checked = !wanted;
      saved.textContent = e.status === 0 ? e.message : `We could not save this: ${e.message}`;
      announce(saved.textContent, true);
    } finally {
      box.disabled = false;
    }
  };
  api("GET", "/api/me/settings")
    .then((settings) => {
      if (typeof settings.preferFamiliar !== "boolean") return;
      box.checked = settings.preferFamiliar;
      card.hidden = false;
    })
    .catch(() => {});
  return card;
}

/** Text size, high contrast and blurred photos, saved on this device as
 *  soon as they change. */
function comfortCard() {
  const c = getComfort();
  const saved = h("p", { class: "comfort-saved", role: "status" });
  const changed = (patch, said) => {
    setComfort(patch);
    saved.textContent = "Saved on this device.";
    announce(said);
  };
  return h(
    "section",
    { class: "card comfort-card", "aria-labelledby": "comfort-title" },
    h("h2", { id: "comfort-title" }, "Comfort and privacy"),
    h("p", { class: "muted" }, "These apply on this device, for everyone who uses it."),
    h(
      "fieldset",
      null,
      h("legend", null, "Text size"),
      h(
        "div",
        { class: "sizes" },
        Object.entries(TEXT_SIZES).map(([value, label]) =>
          h(
            "div",
            { class: `choice size-${value}` },
            h("input", { type: "radio", name: "text-size", id: `text-size-${value}`, value, checked: c.textSize === value, onchange: () => changed({ textSize: value }, `Text size: ${label}.`) }),
            h("label", { for: `text-size-${value}` }, label),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "choice" },
      h("input", { type: "checkbox", id: "high-contrast", checked: c.highContrast, onchange: (e) => changed({ highContrast: e.target.checked }, e.target.checked ? "High contrast is on." : "High contrast is off.") }),
      h("label", { for: "high-contrast" }, "High contrast"),
    ),
    h(
      "div",
      { class: "choice" },
      h("input", { type: "checkbox", id: "blur-photos", checked: c.blurPhotos, "aria-describedby": "blur-photos-hint", onchange: (e) => changed({ blurPhotos: e.target.checked }, e.target.checked ? "Photos are blurred until you tap them." : "Photos are shown at once.") }),
      h("label", { for: "blur-photos" }, "Blur photos until I tap them"),
    ),
    h("p", { class: "hint", id: "blur-photos-hint" }, "Photos in chats stay blurred until you tap each one, so no one near you sees them by surprise."),
    saved,
  );
}

customElements.define("hl-settings", Settings);
