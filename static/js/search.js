/* sitegen default theme: the search box. Pagefind's default UI, drawn into the header's
   [data-search] box (which stays hidden without JavaScript). data-bundle holds the URL of the
   search bundle relative to this page, so the site works under any subpath: the site's root
   is the bundle's parent folder. "/" focuses the box from anywhere but a text field. */
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  if (!box || typeof window.PagefindUI !== "function") return;
  var bundle = new URL(box.getAttribute("data-bundle") || "pagefind/", document.baseURI);
  new window.PagefindUI({
    element: "#" + box.id,
    bundlePath: bundle.pathname,
    baseUrl: new URL("../", bundle).pathname,
    showSubResults: true,
    showImages: false,
    resetStyles: false,
    translations: { placeholder: "Search (press /)" }
  });
  box.hidden = false;
  // Pagefind's input has only a title and a placeholder: give it a name of its own
  var field = box.querySelector("input");
  if (field) field.setAttribute("aria-label", "Search this site");

  function typing(target) {
    if (!target || !target.tagName) return false;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var input = box.querySelector("input");
    if (!input) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !box.contains(event.target)) return;
    var clear = box.querySelector(".pagefind-ui__search-clear");
    if (clear) clear.click();
  });
})();
