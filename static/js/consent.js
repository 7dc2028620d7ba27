/* Progressive enhancement of the cookie banner: the plain forms work without it.
 * - choices are sent in the background and the banner closes without a page load;
 * - Escape closes the banner for this page;
 * - focus returns to where it was in the page before the banner, or to the main content. */
(function () {
  "use strict";
  var banner = document.querySelector("[data-cookie-banner]");
  if (!banner || !window.fetch || !window.FormData) {
    return;
  }
  var previous = null;

  // Only a place after the banner is worth going back to; from the skip link before it,
  // the main content is where the page goes on (as after the plain forms' redirect to #main).
  banner.addEventListener("focusin", function (event) {
    var from = event.relatedTarget;
    if (from && !banner.contains(from)) {
      previous = banner.compareDocumentPosition(from) & Node.DOCUMENT_POSITION_FOLLOWING ? from : null;
    }
  });

  function close() {
    var target = previous && document.body.contains(previous) ? previous : document.getElementById("main");
    banner.parentNode.removeChild(banner);
    if (target) {
      target.focus();
    }
  }

  banner.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  Array.prototype.forEach.call(banner.querySelectorAll("form[data-consent-form]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Cookie-Consent-Fetch": "1" }
      }).then(function (response) {
        if (response.ok) {
          close();
        } else {
          form.submit();
        }
      }).catch(function () {
        form.submit();
      });
    });
  });
}());
