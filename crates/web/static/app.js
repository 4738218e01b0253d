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
      var org = document.getElementById(input.getAttribute("data-picker-org") || "");
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

// A long choice of the tree (select[data-filter]) gets a box above it that keeps only the
// options whose full path contains what is typed.
(function () {
  function setup(select) {
    var original = select.cloneNode(true);
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = select.getAttribute("data-filter");
    box.setAttribute("aria-label", select.getAttribute("data-filter"));
    box.className = "select-filter";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var q = box.value.trim();
      var chosen = select.value;
      var copy = original.cloneNode(true);
      Array.prototype.slice.call(copy.querySelectorAll("option")).forEach(function (o) {
        if (o.value && q && o.textContent.indexOf(q) < 0 && o.value !== chosen) { o.parentNode.removeChild(o); }
      });
      Array.prototype.slice.call(copy.querySelectorAll("optgroup")).forEach(function (g) {
        if (!g.querySelector("option")) { g.parentNode.removeChild(g); }
      });
      while (select.firstChild) { select.removeChild(select.firstChild); }
      while (copy.firstChild) { select.appendChild(copy.firstChild); }
      select.value = chosen;
      if (select.selectedIndex < 0 || (!chosen && q)) {
        var first = select.querySelector("option[value]:not([value=''])");
        if (first && q) { select.value = first.value; }
      }
    });
  }
  function init() { Array.prototype.forEach.call(document.querySelectorAll("select[data-filter]"), setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

// On a phone the navigation scrolls sideways: bring the current page's item into view.
(function () {
  var active = document.querySelector("nav.nav a.active");
  var nav = active && active.parentNode;
  if (nav && nav.scrollWidth > nav.clientWidth) {
    nav.scrollLeft = active.offsetLeft - (nav.clientWidth - active.offsetWidth) / 2;
  }
})();
