/* sitegen default theme: colour theme toggle.
   Preference ("light" | "dark" | absent = follow the system) lives in localStorage under
   "sitegen-theme". <html data-theme> always holds the effective theme ("light" | "dark"); an inline
   script in <head> sets it before first paint. Whenever the effective theme changes (button, OS
   setting, another tab) a "sitegen:themechange" CustomEvent with detail {theme} is dispatched on
   document. window.sitegen.theme() returns the effective theme. */
(function () {
  "use strict";
  var KEY = "sitegen-theme";
  var LABELS = { system: "Auto", light: "Light", dark: "Dark" };
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function readPreference() {
    var value = null;
    try { value = window.localStorage.getItem(KEY); } catch (e) { /* storage blocked */ }
    return value === "light" || value === "dark" ? value : "system";
  }
  function writePreference(value) {
    try {
      if (value === "system") window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, value);
    } catch (e) { /* storage blocked: the choice lasts for this page only */ }
  }
  function systemTheme() { return media && media.matches ? "dark" : "light"; }

  var preference = readPreference();
  var current = root.getAttribute("data-theme");

  function effective() { return preference === "system" ? systemTheme() : preference; }

  // The theme a click moves to: from "system" the opposite of what shows now, so the first
  // click always changes something; then the other explicit theme; then back to "system".
  function nextPreference() {
    var sys = systemTheme();
    var other = sys === "dark" ? "light" : "dark";
    if (preference === "system") return other;
    if (preference === other) return sys;
    return "system";
  }

  function updateButtons() {
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    var next = nextPreference();
    for (var i = 0; i < buttons.length; i++) {
      var label = buttons[i].querySelector(".theme-toggle-label");
      if (label) label.textContent = LABELS[preference];
      buttons[i].setAttribute("data-theme-preference", preference);
      buttons[i].title = next === "system" ? "Follow the system theme" : "Switch to " + next + " theme";
    }
  }

  function apply(silent) {
    var theme = effective();
    root.setAttribute("data-theme", theme);
    updateButtons();
    if (theme !== current) {
      var previous = current;
      current = theme;
      if (!silent && previous !== null && typeof window.CustomEvent === "function") {
        document.dispatchEvent(new CustomEvent("sitegen:themechange", { detail: { theme: theme } }));
      }
    }
  }

  window.sitegen = window.sitegen || {};
  window.sitegen.theme = function () { return current || effective(); };

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest("[data-theme-toggle]") : null;
    if (!button) return;
    preference = nextPreference();
    writePreference(preference);
    apply(false);
  });

  function onSystemChange() { if (preference === "system") apply(false); else updateButtons(); }
  if (media) {
    if (media.addEventListener) media.addEventListener("change", onSystemChange);
    else if (media.addListener) media.addListener(onSystemChange);
  }

  window.addEventListener("storage", function (event) {
    if (event.key !== null && event.key !== KEY) return;
    preference = readPreference();
    apply(false);
  });

  apply(true);
})();
