// Small and optional: every page works without it.
// Forms with data-confirm ask once more before an action that cannot be undone (the server
// also requires the confirmation box).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});

// A name picker: typing in an input with data-picker asks the server for the people of that
// name one may choose, and lists them as radio buttons (without JavaScript the form's search
// button does the same through the page).
(function () {
  var timer = null;
  function render(input, people) {
    var list = document.getElementById(input.getAttribute("data-picker-list"));
    if (!list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!people.length) {
      var p = document.createElement("p");
      p.className = "muted small";
      p.textContent = input.getAttribute("data-picker-empty") || "";
      list.appendChild(p);
      return;
    }
    people.forEach(function (person) {
      var label = document.createElement("label");
      label.className = "choice";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "person";
      radio.value = String(person.id);
      if (people.length === 1) { radio.checked = true; }
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + person.name + " "));
      var where = document.createElement("span");
      where.className = "muted small";
      where.textContent = [person.org, person.unit].filter(Boolean).join(" · ");
      label.appendChild(where);
      list.appendChild(label);
    });
  }
  document.addEventListener("input", function (e) {
    var input = e.target;
    var url = input.getAttribute && input.getAttribute("data-picker");
    if (!url) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (!q) { render(input, []); return; }
      var params = "q=" + encodeURIComponent(q);
      var org = input.form && input.form.elements[input.getAttribute("data-picker-org") || ""];
      if (org && org.value) { params += "&by_org=" + encodeURIComponent(org.value); }
      fetch(url + "?" + params, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (people) { if (input.value.trim() === q) { render(input, people); } })
        .catch(function () {});
    }, 250);
  });
  // Enter in the search box searches instead of submitting the nomination.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.getAttribute && e.target.getAttribute("data-picker")) { e.preventDefault(); }
  });
})();
