// Editorial forms (templates/editorial/): progressive enhancement only; every
// page works without this file.
// 1. Focus the error summary (or else the first invalid field) after a refused submit.
// 2. The evidence picker searches the library as you type (GET /editorial/sources/search/?q=).
(function () {
  "use strict";

  function focusFirstError() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      return;
    }
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  }

  function sourcePicker(box) {
    var input = box.querySelector("input[type='search']");
    var status = box.querySelector(".search-status");
    var list = document.getElementById("id_evidence");
    var url = box.getAttribute("data-search-url");
    if (!input || !list || !url) return;
    var timer = null;
    var last = "";

    function chosen() {
      var ids = {};
      list.querySelectorAll("input[type='checkbox']").forEach(function (box) {
        ids[box.value] = box;
      });
      return ids;
    }

    function show(results) {
      var have = chosen();
      // Drop unchecked matches of an earlier search; keep every chosen source.
      Object.keys(have).forEach(function (id) {
        if (!have[id].checked) have[id].closest(".choice").remove();
      });
      var empty = list.querySelector(".empty");
      if (empty && results.length) empty.remove();
      results.forEach(function (item) {
        if (have[item.id] && have[item.id].checked) return;
        var row = document.createElement("div");
        row.className = "choice";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = "evidence";
        box.value = String(item.id);
        box.id = "id_evidence_found_" + item.id;
        var label = document.createElement("label");
        label.htmlFor = box.id;
        label.textContent = item.label;
        row.appendChild(box);
        row.appendChild(document.createTextNode(" "));
        row.appendChild(label);
        list.appendChild(row);
      });
      status.textContent = results.length
        ? results.length + " source(s) found: tick the ones this update cites."
        : "No source in the library matches; add it as a new source below.";
    }

    function search() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (q.length < 2) {
        status.textContent = "";
        return;
      }
      fetch(url + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          if (input.value.trim() === q) show(data.results || []);
        })
        .catch(function () {
          status.textContent = "The search failed; use the Find sources button.";
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    input.addEventListener("keydown", function (event) {
      // Enter searches at once instead of saving the draft.
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        search();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError();
    document.querySelectorAll(".source-search").forEach(sourcePicker);
  });
})();
