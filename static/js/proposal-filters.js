// Live filtering for the proposals list.  Without this script the form is a
// plain GET form and works the same; with it, results update as you type or
// tick, and the address bar keeps the filters so a view can be shared.
(function () {
  "use strict";
  var form = document.getElementById("proposal-filters");
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch || !window.URLSearchParams) return;

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
