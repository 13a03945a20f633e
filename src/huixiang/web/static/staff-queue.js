// The queue page works without this file. It pauses the live refresh (htmx polls #live every
// 20 s) while rows are ticked for a bulk action, so a tick is never swapped away.
document.addEventListener("htmx:beforeRequest", (event) => {
  const live = document.getElementById("live");
  if (live && event.detail.elt === live && live.querySelector("input[name=n]:checked")) {
    event.preventDefault();
  }
});
