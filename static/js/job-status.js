/* A page that waits for a worker (a draft PDF, an export file) shows the result when it is
   done: it asks the server for the same page now and then and swaps in its status box.
   The box is a live region, so a screen reader announces the change; nothing reloads, so
   focus stays where it was. Without JavaScript the page has a link to reload it. */
(function () {
  "use strict";
  var box = document.getElementById("job-status");
  if (!box || box.getAttribute("data-state") !== "pending" || !window.fetch) {
    return;
  }
  var delay = 1500;
  function later() {
    delay = Math.min(delay * 1.5, 15000);
    window.setTimeout(poll, delay);
  }
  function poll() {
    window.fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("job-status");
        if (fresh && fresh.getAttribute("data-state") !== "pending") {
          box.innerHTML = fresh.innerHTML;
          box.setAttribute("data-state", fresh.getAttribute("data-state"));
        } else {
          later();
        }
      })
      .catch(later);
  }
  window.setTimeout(poll, delay);
})();
