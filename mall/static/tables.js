// A wide table scrolls inside its own box on a narrow screen (mall.css); such a box must be
// reachable by keyboard to scroll it, so it gets a tab stop and a name only while it scrolls.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scroll-stop", "");
        if (!table.hasAttribute("aria-label") && !table.querySelector("caption")) {
          var heading = table.closest("section, article, main");
          heading = heading && heading.querySelector("h1, h2, h3");
          if (heading) { table.setAttribute("aria-label", heading.textContent.trim()); }
        }
      } else if (!scrolls && table.hasAttribute("data-scroll-stop")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scroll-stop");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
}());
