// A visit record's draft survives a lost signal: every change is kept in this browser
// (localStorage); a submit without a connection waits and is sent when the connection returns.
// The record's page, once the server has it, forgets the draft.
(function () {
  "use strict";
  var done = document.getElementById("draft-done");
  if (done) {
    try { localStorage.removeItem(done.getAttribute("data-draft")); } catch (e) { /* private mode */ }
    return;
  }
  // The visit form, or another record's form that keeps a draft (the talk record's).
  var form = document.getElementById("visit-form") || document.querySelector("form[data-draft]");
  var status = document.getElementById("draft-status");
  if (!form || !window.localStorage) return;
  var key = form.getAttribute("data-draft");

  function say(which) {
    status.textContent = status.getAttribute("data-" + which);
    status.hidden = false;
  }
  function fields() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf" || el.type === "submit") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (!el.checked) return;
        (out[el.name] = out[el.name] || []).push(el.value);
      } else {
        out[el.name] = [el.value];
      }
    });
    return out;
  }
  function save(pending) {
    try {
      localStorage.setItem(key, JSON.stringify({ fields: fields(), pending: !!pending, at: Date.now() }));
    } catch (e) { /* full or private mode: the form still works online */ }
  }
  function restore(saved) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf" || !(el.name in saved.fields)) return;
      var values = saved.fields[el.name];
      if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
      else el.value = values[0];
    });
  }
  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  // A page the server sent back with errors shows what was sent: keep that, not an older draft.
  if (saved && !form.hasAttribute("data-failed")) {
    restore(saved);
    say("restored");
  }
  form.addEventListener("input", function () { save(false); });
  form.addEventListener("change", function () { save(false); });
  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) {
      event.preventDefault();
      save(true);
      say("offline");
      return;
    }
    save(false);
  });
  function sendPending() {
    var now = null;
    try { now = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { now = null; }
    if (now && now.pending && navigator.onLine !== false) form.submit();
  }
  window.addEventListener("online", sendPending);
  if (saved && saved.pending) sendPending();
}());
