// Small and optional: every page works without it.
// Forms with data-confirm ask once more before an action that cannot be undone (the server
// also requires the confirmation box).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
