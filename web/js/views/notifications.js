// <hl-notifications>: "Notifications on this device", on the volunteer's
// home and on every Settings screen. It says in plain words what they are
// for, asks the browser's question only when "Turn on notifications" is
// pressed, and shows where things stand: on, off, blocked (and how to
// allow them again), or not possible in this browser (then, while
// Helpline is open, the older in-page alerts are offered). Below it, the
// person's settings, which apply on all their devices (GET/PUT
// /api/me/settings): whether names may show, and for volunteers quiet
// hours (the server offers no requests by push then).

import { h, fill, icon, announce } from "../dom.js";
import { api, loadSession } from "../api.js";
import { store } from "../state.js";
import { pushState, turnOn, turnOff, PushError, deviceTimeZone } from "../push.js";
import { askForNotifications, canNotify, notificationsAsked, unlockSound } from "../alerts.js";

const WHAT = {
  volunteer: "Get a notification when someone asks for help, even when Helpline is closed. You can set quiet hours when you don't want to be woken.",
  seeker: "Get a notification when a volunteer answers you, sends you a message or calls you, even when Helpline is closed.",
  support: "Get a notification when someone sends you a message or calls you, even when Helpline is closed.",
};

const ON = {
  volunteer: "On: this device gets a notification when someone asks for help while you are available, also when Helpline is closed.",
  seeker: "On: this device gets a notification when a volunteer answers you, writes or calls, also when Helpline is closed.",
  support: "On: this device gets a notification when someone writes or calls you, also when Helpline is closed.",
};

class Notifications extends HTMLElement {
  connectedCallback() {
    this.state ??= "checking";
    this.error = "";
    this.render();
    this.check();
    // The permission may be changed in the browser's settings meanwhile.
    this.onVisible = () => document.visibilityState === "visible" && this.state !== "working" && this.check();
    document.addEventListener("visibilitychange", this.onVisible);
    // The app's quiet check on start (push.js) may have just put things right.
    this.onRefreshed = () => this.state !== "working" && this.check();
    document.addEventListener("hl-push-refreshed", this.onRefreshed);
    this.loadSettings();
  }

  disconnectedCallback() {
    document.removeEventListener("visibilitychange", this.onVisible);
    document.removeEventListener("hl-push-refreshed", this.onRefreshed);
  }

  get role() {
    return store.user?.role ?? "seeker";
  }

  async check() {
    const user = store.user;
    if (!user) return;
    const state = await pushState(user.id);
    if (this.state === "working" || store.user !== user) return;
    this.setState(state);
  }

  setState(state) {
    const changed = this.state !== state;
    // With `compact` (the volunteer's home), notifications that were already
    // on when the screen opened take one line; turned on here, the card stays
    // whole, with its quiet hours.
    if (this.firstState === undefined && state !== "checking" && state !== "working") this.firstState = state;
    this.state = state;
    this.render();
    if (changed) this.dispatchEvent(new CustomEvent("hl-push-state", { bubbles: true, detail: state }));
  }

  render() {
    const box = this.querySelector(".push-card") ?? h("section", { class: "card push-card", "aria-labelledby": "push-title" });
    if (!box.isConnected) fill(this, box);
    const hadFocus = box.contains(document.activeElement);
    const compact = this.hasAttribute("compact") && this.firstState === "on" && this.state === "on";
    box.classList.toggle("push-compact", compact);
    if (compact)
      return fill(
        box,
        h("h2", { id: "push-title", class: "visually-hidden" }, "Notifications on this device"),
        h("p", { class: "push-status push-on", id: "push-status" }, icon("bell"), "Notifications on", h("span", { class: "visually-hidden" }, " for this device")),
        h("a", { href: "/settings", "data-link": true }, "Change", h("span", { class: "visually-hidden" }, " notification settings")),
      );
    fill(
      box,
      h("h2", { id: "push-title" }, icon("bell"), "Notifications on this device"),
      h("p", null, WHAT[this.role] ?? WHAT.seeker),
      this.stateView(),
      h("p", { class: "form-error", id: "push-error", role: "alert" }, this.error),
      this.settingsForm ?? null,
    );
    if (hadFocus) box.querySelector(".push-state button")?.focus();
  }

  stateView() {
    const s = this.state;
    const button = (label, onclick, kind = "primary") => h("button", { type: "button", class: kind, onclick }, label);
    const line = (text, kind) => h("p", { class: `push-status push-${kind}`, id: "push-status" }, text);
    let parts;
    if (s === "checking") parts = [line("Checking this device…", "wait")];
    else if (s === "working") parts = [line(this.working ?? "One moment…", "wait"), h("button", { type: "button", class: "primary", disabled: true }, this.working ?? "One moment…")];
    else if (s === "on") parts = [line(ON[this.role] ?? ON.seeker, "on"), button("Turn off notifications", () => this.off(), "secondary")];
    else if (s === "off") parts = [line("Off: this device gets no notifications from Helpline.", "off"), button("Turn on notifications", () => this.on())];
    else if (s === "blocked")
      parts = [
        line("Notifications are blocked for Helpline in this browser.", "off"),
        h(
          "p",
          null,
          "To allow them, open this browser's settings for this website: tap or click the symbol just left of the web address (often a padlock or two sliders), choose “Notifications” or “Site settings”, and set it to “Allow”. Then come back here and press “Check again”.",
        ),
        button("Check again", () => this.check(), "secondary"),
      ];
    else parts = this.unsupportedView();
    return h("div", { class: "push-state", "data-state": s }, parts);
  }

  unsupportedView() {
    const parts = [
      h("p", { class: "push-status push-off", id: "push-status" }, this.unsupportedReason ?? "This browser cannot show notifications from Helpline while Helpline is closed."),
      h("p", null, "On an iPhone or iPad, add Helpline to your Home Screen first (Share, then “Add to Home Screen”) and open it from there."),
    ];
    // While Helpline is open it can still show a notification and chime.
    if (canNotify() && !notificationsAsked())
      parts.push(
        h("p", null, "While Helpline is open, it can still play a sound and show a notification."),
        h(
          "button",
          {
            type: "button",
            class: "primary",
            onclick: async () => {
              await askForNotifications();
              this.render();
            },
          },
          "Turn on alerts",
        ),
      );
    return parts;
  }

  async on() {
    unlockSound();
    const user = store.user;
    this.error = "";
    this.working = "Turning on…";
    // turnOn asks the browser's question before it awaits anything else,
    // so it still counts as the answer to this click.
    const asking = turnOn(user.id);
    this.setState("working");
    try {
      const state = await asking;
      this.state = null;
      this.setState(state);
      if (state === "on") announce("Notifications are on for this device.");
      else if (state === "blocked") announce("Notifications are blocked in this browser.", true);
      else this.error = "Notifications are still off: the browser's question was closed without an answer. Press the button again to be asked again.";
    } catch (error) {
      this.error = error instanceof PushError ? error.message : "Something went wrong. Please try again.";
      if (error?.state === "unsupported") this.unsupportedReason = error.message;
      this.state = null;
      this.setState(error?.state ?? "off");
      if (error?.state !== "unsupported") await this.check();
    }
    this.render();
    this.querySelector(".push-state button")?.focus();
  }

  async off() {
    const user = store.user;
    this.error = "";
    this.working = "Turning off…";
    this.setState("working");
    try {
      await turnOff(user.id, loadSession()?.token);
      announce("Notifications are off for this device.");
    } catch (error) {
      this.error = error instanceof PushError ? error.message : "Something went wrong. Please try again.";
    }
    this.state = null;
    this.setState("off");
    this.querySelector(".push-state button")?.focus();
  }

  // -- quiet hours and names -------------------------------------------------

  async loadSettings() {
    let settings;
    try {
      settings = await api("GET", "/api/me/settings");
    } catch {
      // An older server, or offline: nothing to show.
      return;
    }
    this.settings = settings;
    this.settingsForm = this.buildForm(settings);
    this.render();
  }

  buildForm(settings) {
    const quiet = settings.quietHours;
    const zone = deviceTimeZone();
    const times = h(
      "div",
      { class: "quiet-times", hidden: !quiet },
      h("div", { class: "field" }, h("label", { for: "quiet-from" }, "From"), h("input", { type: "time", id: "quiet-from", name: "from", value: quiet?.from ?? "22:00", required: true })),
      h("div", { class: "field" }, h("label", { for: "quiet-to" }, "Until"), h("input", { type: "time", id: "quiet-to", name: "to", value: quiet?.to ?? "08:00", required: true })),
      h(
        "p",
        { class: "hint quiet-zone" },
        quiet && quiet.timeZone !== zone
          ? `These times were saved for the time zone ${quiet.timeZone}. Saving here uses this device's time zone: ${zone}.`
          : `Times are in this device's time zone: ${zone}.`,
      ),
    );
    const volunteer = this.role === "volunteer";
    const form = h(
      "form",
      { class: "push-settings", "aria-labelledby": "push-settings-title", onsubmit: (e) => this.save(e) },
      h("h3", { id: "push-settings-title" }, volunteer ? "Quiet hours and names" : "Names in notifications"),
      h("p", { class: "muted" }, "These apply on all your devices."),
      volunteer
        ? [
            h(
              "div",
              { class: "choice" },
              h("input", { type: "checkbox", id: "quiet-on", name: "quiet", checked: !!quiet, onchange: (e) => (times.hidden = !e.target.checked) }),
              h("label", { for: "quiet-on" }, "Quiet hours: no notifications of new requests between these times"),
            ),
            times,
          ]
        : null,
      h(
        "div",
        { class: "choice" },
        h("input", { type: "checkbox", id: "show-names", name: "names", checked: !!settings.pushShowNames, "aria-describedby": "show-names-hint" }),
        h("label", { for: "show-names" }, "Show names in notifications"),
      ),
      h("p", { class: "hint", id: "show-names-hint" }, "Names then appear on your lock screen, where anyone near your device can see them. What people write is never shown."),
      h("p", { class: "form-error", id: "push-settings-error", role: "alert" }),
      h("button", { type: "submit", class: "primary" }, "Save these settings"),
      h("p", { class: "push-saved", role: "status" }),
    );
    return form;
  }

  async save(event) {
    event.preventDefault();
    const form = event.target;
    const error = form.querySelector("#push-settings-error");
    const saved = form.querySelector(".push-saved");
    error.textContent = "";
    saved.textContent = "";
    const body = { pushShowNames: form.querySelector("#show-names").checked };
    if (form.querySelector("#quiet-on")) {
      const quietOn = form.querySelector("#quiet-on").checked;
      const from = form.querySelector("#quiet-from").value;
      const to = form.querySelector("#quiet-to").value;
      if (quietOn && (!from || !to)) return void (error.textContent = "Please choose both times for your quiet hours.");
      if (quietOn && from === to) return void (error.textContent = "The start and end of your quiet hours need to be different times.");
      body.quietHours = quietOn ? { from, to, timeZone: deviceTimeZone() } : null;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      this.settings = await api("PUT", "/api/me/settings", body);
      this.settingsForm = this.buildForm(this.settings);
      this.render();
      const text =
        this.role !== "volunteer" ? "Saved." : this.settings.quietHours ? `Saved. Quiet hours from ${this.settings.quietHours.from} until ${this.settings.quietHours.to}.` : "Saved. No quiet hours.";
      this.querySelector(".push-saved").textContent = text;
      this.querySelector(".push-settings button[type=submit]").focus();
    } catch (e) {
      button.disabled = false;
      error.textContent = e.status === 0 ? e.message : `We could not save your settings: ${e.message}`;
    }
  }
}

customElements.define("hl-notifications", Notifications);
