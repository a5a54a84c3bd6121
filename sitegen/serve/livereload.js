/* sitegen serve: live reload. Added to pages by the dev server only, never by `sitegen build`.
   Listens on /__sitegen/events (server-sent events); the server says, per finished build,
   which pages changed and how:
     "reload" -> reload this tab, keeping its scroll position (sessionStorage)
     "css"    -> only stylesheet names changed: swap <link rel=stylesheet> hrefs, no reload
     "charts" -> only figure.chart elements changed: fetch the page, replace those figures and
                 embed them again (window.sitegen.charts.embed), else reload
   A failed build shows an overlay with each error's PATH:LINE:COL; the next good build clears it. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.EventSource) return;
  var page = me.getAttribute("data-page") || "";
  var fallback = me.getAttribute("data-fallback") || "";
  var build = parseInt(me.getAttribute("data-build") || "0", 10);
  var server = me.getAttribute("data-server") || "";
  var SCROLL = "sitegen-scroll:" + location.pathname + location.search;
  var OVERLAY = "sitegen-error-overlay";
  var reloading = false;
  var api = (window.sitegen = window.sitegen || {});
  var state = { build: function () { return build; }, page: page, connected: false };
  api.liveReload = state;

  function restoreScroll() {
    var saved = null;
    try { saved = sessionStorage.getItem(SCROLL); } catch (e) { return; }
    if (!saved) return;
    var xy;
    try { xy = JSON.parse(saved); } catch (e) { xy = null; }
    if (!xy) return;
    var apply = function () { window.scrollTo(xy[0], xy[1]); };
    apply();
    window.addEventListener("load", function () {
      apply();
      try { sessionStorage.removeItem(SCROLL); } catch (e) { /* ignore */ }
    });
    if (document.readyState === "complete") {
      try { sessionStorage.removeItem(SCROLL); } catch (e) { /* ignore */ }
    }
  }

  function reload() {
    if (reloading) return;
    reloading = true;
    try {
      sessionStorage.setItem(SCROLL, JSON.stringify([window.scrollX, window.scrollY]));
    } catch (e) { /* storage blocked: the browser's own restore still applies */ }
    location.reload();
  }

  function sitePath(url) {
    var u = new URL(url, location.href);
    if (u.origin !== location.origin) return null;
    var path = decodeURIComponent(u.pathname).replace(/^\/+/, "");
    if (path === "" || /\/$/.test(path)) path += "index.html";
    return path;
  }

  function swapCss(css) {
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var old = links[i];
      var target = css[sitePath(old.href)];
      if (!target) continue;
      var fresh = old.cloneNode(false);
      fresh.href = new URL("/" + target, location.href).href;
      fresh.addEventListener("load", removeLater(old));
      fresh.addEventListener("error", removeLater(old));
      old.parentNode.insertBefore(fresh, old.nextSibling);
    }
  }
  function removeLater(node) {
    return function () { if (node.parentNode) node.parentNode.removeChild(node); };
  }

  function usesAny(paths) {
    if (!paths || !paths.length) return false;
    var wanted = {};
    for (var i = 0; i < paths.length; i++) wanted[paths[i]] = true;
    var nodes = document.querySelectorAll("img[src], script[src], link[href], source[src], " +
                                          "video[src], audio[src], iframe[src], embed[src], object[data]");
    for (var j = 0; j < nodes.length; j++) {
      var n = nodes[j];
      var url = n.getAttribute("src") || n.getAttribute("href") || n.getAttribute("data");
      if (url && wanted[sitePath(url)]) return true;
    }
    return false;
  }

  function swapCharts(indexes) {
    var charts = window.sitegen && window.sitegen.charts;  // the chart runtime (charts.js)
    var embed = charts && charts.embed;
    if (typeof embed !== "function" || !window.fetch || !window.DOMParser) return reload();
    fetch(location.href, { cache: "no-store" }).then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelectorAll("figure.chart");
        var shown = document.querySelectorAll("figure.chart");
        if (fresh.length !== shown.length) return reload();
        for (var i = 0; i < indexes.length; i++) {
          var k = indexes[i];
          var node = document.importNode(fresh[k], true);
          shown[k].parentNode.replaceChild(node, shown[k]);
          embed(node);
        }
        document.dispatchEvent(new CustomEvent("sitegen:chartsreplaced", { detail: { indexes: indexes } }));
      })["catch"](reload);
  }

  function hideOverlay() {
    var node = document.getElementById(OVERLAY);
    if (node) node.parentNode.removeChild(node);
  }

  function showOverlay(error) {
    hideOverlay();
    var box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.setAttribute("style", "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(20,20,24,.92);color:#f4f4f5;font:14px/1.5 ui-monospace,SFMono-Regular," +
      "Menlo,Consolas,monospace;padding:2rem;box-sizing:border-box;text-align:left");
    var title = document.createElement("h2");
    title.textContent = "sitegen: build failed (" + error.summary + ")";
    title.setAttribute("style", "margin:0 0 1rem;font:600 18px system-ui,sans-serif;color:#fca5a5");
    box.appendChild(title);
    var problems = error.problems || [];
    for (var i = 0; i < problems.length; i++) {
      var p = problems[i];
      var pre = document.createElement("pre");
      pre.className = "sitegen-error";
      pre.setAttribute("style", "white-space:pre-wrap;margin:0 0 1rem;padding:.75rem 1rem;" +
        "background:#27272a;border-left:4px solid #f87171;color:inherit;font:inherit");
      var where = document.createElement("strong");
      where.className = "sitegen-error-location";
      where.textContent = p.location;
      pre.appendChild(where);
      pre.appendChild(document.createTextNode(": " + p.message + (p.hint ? "\n  hint: " + p.hint : "")));
      box.appendChild(pre);
    }
    if (error.traceback) {
      var tb = document.createElement("pre");
      tb.textContent = error.traceback;
      tb.setAttribute("style", "white-space:pre-wrap;opacity:.8;font:inherit");
      box.appendChild(tb);
    }
    var note = document.createElement("p");
    note.textContent = "This tab still shows the last good build. Fix the error and save: " +
      "this message clears itself.";
    note.setAttribute("style", "font:14px system-ui,sans-serif;opacity:.8");
    box.appendChild(note);
    (document.body || document.documentElement).appendChild(box);
  }

  function onBuild(news) {
    if (news.error) { showOverlay(news.error); return; }
    hideOverlay();
    if (!page && !fallback) return reload();  // the "no good build yet" page: now there is one
    var kind = news.pages[page] || (fallback && news.pages[fallback]);
    if (fallback && news.pages[page]) kind = "reload";  // the missing page now exists
    if (kind === "reload" || usesAny(news.assets)) return reload();
    if (kind === "charts") { swapCss(news.css); swapCharts(news.charts[page] || []); }
    else swapCss(news.css);
    build = news.build;
  }

  function connect() {
    var url = "/__sitegen/events?page=" + encodeURIComponent(page) + "&fallback=" +
      encodeURIComponent(fallback) + "&build=" + build + "&server=" + encodeURIComponent(server);
    var source = new EventSource(url);
    source.addEventListener("hello", function (e) {
      var hello = JSON.parse(e.data);
      state.connected = true;
      if (hello.reload) return reload();
      if (hello.error) showOverlay(hello.error); else hideOverlay();
    });
    source.addEventListener("build", function (e) { onBuild(JSON.parse(e.data)); });
    source.addEventListener("error", function () { state.connected = false; });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  restoreScroll();
  connect();
})();
