// Proposal and paper pages: "Copy the citation" / "Copy the link" buttons (shown only
// where this script runs: without it the citation and permalink are plain text to
// select), and every folded section opened for printing, then folded back.
(function () {
  "use strict";

  var done = document.querySelector(".copy-done");

  function say(message) {
    if (done) done.textContent = message;
  }

  function copy(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text);
    }
    return Promise.reject(new Error("no clipboard"));
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    button.closest(".copy-actions").hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent.replace(/\s+/g, " ").trim();
      copy(text).then(
        function () { say("Copied: " + text); },
        function () {
          // No clipboard (an insecure origin, a refusal): select it for the reader.
          var range = document.createRange();
          range.selectNodeContents(target);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          say("Selected: press Ctrl+C (or Cmd+C) to copy.");
        }
      );
    });
  });

  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });
})();
