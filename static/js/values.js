/* sitegen default theme: a value's source at the number.
   Each value from data in the text is <a class="value-link" href="#ref-N" data-ref="N"
   aria-describedby="ref-N src-K">: #ref-N is its entry in the page's references (title, date),
   the hidden #src-K (when there is one) says its kind and the rows it was derived from.
   This script shows both as a card next to the value: on hover, on focus, and on a tap or
   click (which pins it open; a second one closes it). Escape, a click elsewhere or focus moving
   away closes it. The card is put right after the value, so Tab reaches its links next.
   Without this script the value is a link to the page's references. */
(function () {
  "use strict";
  var open = null;      // {link, card, pinned}
  var closing = 0;      // timer of a hover that left
  var quiet = null;     // a link given focus back by Escape: no card until it loses focus

  function cardFor(link) {
    var ids = (link.getAttribute("aria-describedby") || "").split(" ");
    var entry = document.getElementById(ids[0]);   // the reference: title (a link), date
    if (!entry) return null;
    var body = ids[1] ? document.getElementById(ids[1]) : null;  // kind, rows derived from
    var card = document.createElement("span");
    card.className = "value-card";
    card.id = "value-card";
    card.setAttribute("role", "group");
    var value = link.querySelector("data");
    card.setAttribute("aria-label", "Source of " + (value ? value.textContent : "this value"));
    var source = document.createElement("span");
    source.className = "value-card-source";
    source.innerHTML = entry.innerHTML;
    if (body) {
      var kind = source.querySelector(".ref-kind");
      if (kind) kind.remove();
      card.innerHTML = body.innerHTML;
    }
    card.insertBefore(source, card.firstChild);
    var more = document.createElement("a");
    more.className = "value-card-ref";
    more.href = "#" + ids[0];
    more.textContent = "Reference " + link.getAttribute("data-ref");
    card.appendChild(more);
    return card;
  }

  function place(link, card) {
    var box = link.getBoundingClientRect();
    var width = Math.min(320, document.documentElement.clientWidth - 16);
    card.style.width = width + "px";
    var left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
    card.style.left = left + "px";
    var below = box.bottom + 6;
    var height = card.offsetHeight;
    card.style.top = (below + height > window.innerHeight && box.top - height - 6 > 0
      ? box.top - height - 6 : below) + "px";
  }

  function show(link, pinned) {
    clearTimeout(closing);
    if (open && open.link === link) { open.pinned = open.pinned || pinned; return; }
    hide(false);
    var card = cardFor(link);
    if (!card) return;
    link.insertAdjacentElement("afterend", card);
    link.setAttribute("aria-expanded", "true");
    link.setAttribute("aria-controls", card.id);
    open = { link: link, card: card, pinned: pinned };
    place(link, card);
  }

  function hide(restoreFocus) {
    clearTimeout(closing);
    if (!open) return;
    var link = open.link;
    var inside = open.card.contains(document.activeElement);
    open.card.remove();
    link.setAttribute("aria-expanded", "false");
    link.removeAttribute("aria-controls");
    open = null;
    if (restoreFocus && inside) { quiet = link; link.focus(); }
  }

  function within(node) {
    return open && node && (open.link.contains(node) || open.card.contains(node));
  }

  function valueLink(node) {
    return node && node.closest ? node.closest("a.value-link") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var link = valueLink(event.target);
    if (link) { show(link, false); return; }
    if (within(event.target)) clearTimeout(closing);
  });
  document.addEventListener("mouseout", function (event) {
    if (!open || open.pinned || !within(event.target) || within(event.relatedTarget)) return;
    closing = setTimeout(function () { if (open && !open.pinned) hide(false); }, 300);
  });
  document.addEventListener("focusin", function (event) {
    var link = valueLink(event.target);
    if (link && link !== quiet) show(link, false);
    else if (open && !within(event.target)) hide(false);
  });
  document.addEventListener("focusout", function (event) {
    if (event.target === quiet) quiet = null;
    if (open && !open.pinned && !within(event.relatedTarget) && event.relatedTarget !== null) {
      hide(false);
    }
  });
  document.addEventListener("click", function (event) {
    var link = valueLink(event.target);
    if (link) {
      event.preventDefault();
      if (open && open.link === link && open.pinned) hide(false);
      else { quiet = null; show(link, true); }
      return;
    }
    if (open && !within(event.target)) hide(false);
  });
  document.addEventListener("keydown", function (event) {
    if (open && (event.key === "Escape" || event.key === "Esc")) hide(true);
  });
  function follow() { if (open) place(open.link, open.card); }
  window.addEventListener("scroll", follow, { passive: true });
  window.addEventListener("resize", follow);
  document.querySelectorAll("a.value-link").forEach(function (link) {
    link.setAttribute("aria-expanded", "false");
  });
})();
