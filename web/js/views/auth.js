// Sign in and create account.

import { h, fill } from "../dom.js";
import { api } from "../api.js";

const MESSAGES = {
  invalid_credentials: "That username and password do not match. Please check them and try again.",
  username_taken: "That username is already taken. Please choose a different one.",
  offline: "We could not reach Helpline. Please check your internet connection and try again.",
};

class Auth extends HTMLElement {
  connectedCallback() {
    this.mode = this.mode ?? "signin";
    this.render();
  }

  showMessage(text) {
    this.notice = text;
    this.render();
  }

  render() {
    const signin = this.mode === "signin";
    document.title = `${signin ? "Sign in" : "Create an account"} – Helpline`;
    fill(
      this,
      h(
        "div",
        { class: "auth" },
        h("div", { class: "auth-brand" }, h("img", { src: "/icons/icon.svg", alt: "", width: 72, height: 72 }), h("p", { class: "brand-name" }, "Helpline")),
        h("h1", { tabindex: "-1" }, signin ? "Sign in" : "Create an account"),
        this.notice ? h("p", { class: "info" }, this.notice) : null,
        h("div", { id: "form-error", class: "form-error", role: "alert" }),
        signin ? this.signInForm() : this.signUpForm(),
        h(
          "p",
          { class: "switch-mode" },
          signin ? "New to Helpline? " : "Already have an account? ",
          h("button", { type: "button", class: "link", onclick: () => this.switchTo(signin ? "signup" : "signin") }, signin ? "Create an account" : "Sign in instead"),
        ),
      ),
    );
  }

  switchTo(mode) {
    this.mode = mode;
    this.notice = null;
    this.render();
    this.querySelector("h1").focus();
  }

  signInForm() {
    return h(
      "form",
      { novalidate: true, onsubmit: (e) => this.submit(e, "/api/auth/login") },
      field("username", "Username", { autocomplete: "username", autocapitalize: "none", spellcheck: "false" }),
      field("password", "Password", { type: "password", autocomplete: "current-password" }),
      showPassword(),
      h("button", { class: "primary big", type: "submit" }, "Sign in"),
    );
  }

  signUpForm() {
    return h(
      "form",
      { novalidate: true, onsubmit: (e) => this.submit(e, "/api/auth/register") },
      field("displayName", "Your name", { autocomplete: "name", hint: "This is the name other people will see." }),
      field("username", "Choose a username", {
        autocomplete: "username",
        autocapitalize: "none",
        spellcheck: "false",
        hint: "3 to 32 letters or numbers. You can also use . _ and -",
      }),
      field("password", "Choose a password", { type: "password", autocomplete: "new-password", hint: "At least 8 characters." }),
      showPassword(),
      h(
        "fieldset",
        { class: "choices" },
        h("legend", null, "How will you use Helpline?"),
        choice("role", "seeker", "I would like someone to talk to", true),
        choice("role", "volunteer", "I want to help as a volunteer"),
        choice("role", "caregiver", "Family member or carer: I want to see how someone is doing, with their permission"),
      ),
      field("languages", "Languages you speak (optional)", { hint: "For example: English, French", autocomplete: "off" }),
      h("button", { class: "primary big", type: "submit" }, "Create my account"),
    );
  }

  async submit(event, path) {
    event.preventDefault();
    const form = event.target;
    const data = Object.fromEntries(new FormData(form));
    const body = { username: (data.username ?? "").trim().toLowerCase(), password: data.password ?? "" };
    const problems = {};
    if (path.endsWith("register")) {
      body.displayName = (data.displayName ?? "").trim();
      body.role = data.role;
      const languages = (data.languages ?? "").split(",").map((l) => l.trim()).filter(Boolean);
      if (languages.length) body.languages = languages.slice(0, 20).map((l) => l.slice(0, 35));
      if (!body.displayName) problems.displayName = "Please enter your name.";
      if (!/^[a-z0-9_.-]{3,32}$/.test(body.username))
        problems.username = "Use 3 to 32 letters or numbers (and . _ - if you like), with no spaces.";
      if ([...body.password].length < 8) problems.password = "The password needs at least 8 characters.";
    } else {
      if (!body.username) problems.username = "Please enter your username.";
      if (!body.password) problems.password = "Please enter your password.";
    }
    for (const input of form.querySelectorAll("input[aria-invalid]")) input.removeAttribute("aria-invalid");
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    const error = this.querySelector("#form-error");
    error.textContent = "";
    if (Object.keys(problems).length) {
      for (const [name, text] of Object.entries(problems)) {
        form.elements[name].setAttribute("aria-invalid", "true");
        this.querySelector(`#${name}-error`).textContent = text;
      }
      form.elements[Object.keys(problems)[0]].focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.dataset.label = button.textContent;
    button.textContent = "Please wait…";
    try {
      const session = await api("POST", path, body, null);
      this.dispatchEvent(new CustomEvent("hl-signed-in", { bubbles: true, detail: session }));
    } catch (e) {
      error.textContent = MESSAGES[e.code] ?? e.message;
      if (e.code === "username_taken") {
        form.elements.username.setAttribute("aria-invalid", "true");
        form.elements.username.focus();
      }
      button.disabled = false;
      button.textContent = button.dataset.label;
    }
  }
}

function field(name, label, { type = "text", hint, ...attrs } = {}) {
  const described = [hint ? `${name}-hint` : null, `${name}-error`].filter(Boolean).join(" ");
  return h(
    "div",
    { class: "field" },
    h("label", { for: name }, label),
    hint ? h("p", { class: "hint", id: `${name}-hint` }, hint) : null,
    h("input", { id: name, name, type, "aria-describedby": described, ...attrs }),
    h("p", { class: "field-error", id: `${name}-error` }),
  );
}

function choice(name, value, label, checked = false) {
  const id = `${name}-${value}`;
  return h("div", { class: "choice" }, h("input", { type: "radio", id, name, value, checked }), h("label", { for: id }, label));
}

function showPassword() {
  const id = "show-password";
  return h(
    "div",
    { class: "choice" },
    h("input", {
      type: "checkbox",
      id,
      onchange: (e) => (e.target.form.elements.password.type = e.target.checked ? "text" : "password"),
    }),
    h("label", { for: id }, "Show password"),
  );
}

customElements.define("hl-auth", Auth);
