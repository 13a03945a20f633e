// The staff pages work without this file; it only adds what needs a script.
// Focus the error summary or the first invalid field after an htmx swap (as on a full load).
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  const focus = target && target.querySelector("[autofocus], [aria-invalid=true]");
  if (focus) focus.focus();
});
