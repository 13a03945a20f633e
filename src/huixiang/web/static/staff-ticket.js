// The ticket page works without this file: a canned answer is a link (?reply=<id>) that the
// server fills in. With it, the link fills the answer box in place, keeping the rest typed.
document.addEventListener("click", async (event) => {
  const link = event.target.closest && event.target.closest("a.reply-link");
  const box = document.getElementById("respond-text");
  if (!link || !box) return;
  event.preventDefault();
  const answer = await fetch(link.href, { credentials: "same-origin" });
  if (!answer.ok) { window.location.href = link.href; return; }
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  const filled = page.getElementById("respond-text");
  if (!filled) { window.location.href = link.href; return; }
  box.value = filled.value;
  box.focus();
});
