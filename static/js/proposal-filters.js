// The proposals list's form.  Without this script the form is a plain GET form
// inside a folded <details> and works the same (a section of the other paper
// gets a clear message from the server).  With it: the panel opens on wide
// screens; the Section menu offers only the chosen paper's sections; results
// update as you type or tick, and the address bar keeps the filters so a view can
// be shared.
(function () {
  "use strict";
  var panel = document.getElementById("filter-panel");
  var form = document.getElementById("proposal-filters");
  var results = document.getElementById("results");
  if (panel && window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
    panel.open = true;
  }
  if (!form) return;

  var section = document.getElementById("id_section");

  function chosenPaper() {
    var checked = form.querySelector('input[name="paper"]:checked');
    return checked ? checked.value : "";
  }

  // Only the chosen paper's sections (both papers': one group each).
  function scopeSections() {
    if (!section) return;
    var paper = chosenPaper();
    Array.prototype.forEach.call(section.querySelectorAll("optgroup"), function (group) {
      var other = paper !== "" && group.getAttribute("data-paper") !== paper;
      group.disabled = other;
      group.hidden = other;
    });
    var selected = section.options[section.selectedIndex];
    if (selected && selected.parentNode.disabled) section.value = "";
  }

  scopeSections();
  // Registered before the listeners below, so the menu is right before a refresh.
  form.addEventListener("change", function (event) {
    if (event.target.name === "paper") scopeSections();
  });

  if (!results || !window.fetch || !window.URLSearchParams) return;

  var timer = null;
  var pending = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") params.append(name, value);
    });
    return params.toString();
  }

  function refresh() {
    var qs = query();
    var url = form.getAttribute("action") + (qs ? "?" + qs : "");
    if (pending) pending.abort();
    pending = new AbortController();
    results.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "X-Requested-With": "fetch" }, signal: pending.signal })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("results");
        if (fresh) results.innerHTML = fresh.innerHTML;
        document.title = doc.title;
        window.history.replaceState(null, "", url);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") form.submit();
      })
      .finally(function () { results.removeAttribute("aria-busy"); });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  }

  form.addEventListener("input", function (event) {
    schedule(event.target.type === "search" ? 300 : 0);
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "search") schedule(0);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    schedule(0);
  });
})();
