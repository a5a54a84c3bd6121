/* sitegen chart runtime: swaps each figure.chart's static SVG for an interactive vega-embed
 * chart once the figure nears the viewport, and re-embeds when the page's theme changes.
 * Each figure's spec is Vega, compiled from Vega-Lite at build time, so the vega bundle
 * (vega + vega-embed, named by this script's data-vega-bundle attribute; loaded on first need)
 * has no Vega-Lite compiler. The reader's theme is applied as Vega config.
 * Without JavaScript, or if anything fails, the static SVG stays. */
(function () {
  "use strict";
  var script = document.currentScript;
  var bundleUrl = script && script.getAttribute("data-vega-bundle");
  var bundle = null;
  var live = new Map(); // figure -> {view, theme}

  function loadBundle() {
    if (window.vegaEmbed) return Promise.resolve();
    if (!bundle) {
      bundle = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = bundleUrl;
        tag.async = true;
        tag.onload = function () { resolve(); };
        tag.onerror = function () { reject(new Error("cannot load the chart runtime " + bundleUrl)); };
        document.head.appendChild(tag);
      });
    }
    return bundle;
  }

  function currentTheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen === "dark" || chosen === "light") return chosen;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark" : "light";
  }

  function options(theme, figure) {
    var opts = {
      mode: "vega",
      renderer: "svg",
      actions: false,
      config: { background: "transparent" },
      tooltip: { theme: theme === "dark" ? "dark" : "light" },
      downloadFileName: figure.id || "chart"
    };
    if (theme === "dark") opts.theme = "dark";
    return opts;
  }

  // The chart is drawn in place, in a slot that is laid out (so `width: container` specs
  // measure the figure) and held at the height of what it replaces (so nothing below jumps).
  function embed(figure, theme) {
    var source = figure.querySelector("script.chart-spec");
    var slot = figure.querySelector(".chart-interactive");
    var still = figure.querySelector(".chart-static");
    if (!source || !slot) return Promise.resolve();
    var spec = JSON.parse(source.textContent);
    var shown = figure.classList.contains("chart-live") ? slot : still;
    var fresh = document.createElement("div");
    fresh.className = "chart-interactive";
    fresh.setAttribute("data-chart-theme", theme);
    if (shown) fresh.style.minHeight = shown.getBoundingClientRect().height + "px";
    var previous = live.get(figure);
    live.delete(figure);
    if (previous) previous.view.finalize();
    slot.replaceWith(fresh);
    figure.classList.add("chart-live", "is-interactive");
    return window.vegaEmbed(fresh, spec, options(theme, figure)).then(function (result) {
      fresh.style.minHeight = "";
      live.set(figure, { view: result.view, theme: theme });
    }, function (error) {
      var empty = document.createElement("div");
      empty.className = "chart-interactive";
      fresh.replaceWith(empty);
      figure.classList.remove("chart-live", "is-interactive");
      throw error;
    });
  }

  function show(figure) {
    return loadBundle().then(function () {
      return embed(figure, currentTheme());
    }).catch(function (error) {
      figure.classList.add("chart-failed");
      console.error("sitegen: chart #" + figure.id + " stays static:", error);
    });
  }

  function retheme(theme) {
    live.forEach(function (state, figure) {
      if (state.theme !== theme) {
        embed(figure, theme).catch(function (error) {
          console.error("sitegen: chart #" + figure.id + " cannot switch theme:", error);
        });
      }
    });
  }

  // Views of figures no longer in the page (replaced by live reload) are let go.
  function forgetDetached() {
    live.forEach(function (state, figure) {
      if (!figure.isConnected) {
        state.view.finalize();
        live.delete(figure);
      }
    });
  }

  var observer = null;
  function watch(figure) {
    forgetDetached();
    if (!bundleUrl) return;
    if (!observer && "IntersectionObserver" in window) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.unobserve(entry.target);
            show(entry.target);
          }
        });
      }, { rootMargin: "300px 0px" });
    }
    if (observer) observer.observe(figure);
    else show(figure);
  }

  // The dev server's live reload swaps changed figures in and asks for them to be embedded.
  var api = (window.sitegen = window.sitegen || {});
  api.charts = { embed: watch, theme: currentTheme };

  function start() {
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure.chart"));
    if (!figures.length || !bundleUrl) return;
    figures.forEach(watch);
    document.addEventListener("sitegen:themechange", function (event) {
      var wanted = event.detail && event.detail.theme;
      retheme(wanted === "dark" || wanted === "light" ? wanted : currentTheme());
    });
    if (window.matchMedia) {
      var query = window.matchMedia("(prefers-color-scheme: dark)");
      var follow = function () {
        if (!document.documentElement.hasAttribute("data-theme")) retheme(currentTheme());
      };
      if (query.addEventListener) query.addEventListener("change", follow);
      else if (query.addListener) query.addListener(follow);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
