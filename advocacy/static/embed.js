// The one line an ally pastes:
//   <script src="https://OUR-HOST/embed.js" data-campaign="SLUG" data-ally="ALLY" data-lang="fr" async></script>
// It only creates an <iframe> of our widget in place of the script tag: the form lives in our document, so
// the ally's page never sees the supporter's details and needs no cookie of ours. The frame tells us its
// height; we accept those messages only from our own origin and only from the frame we made.
(function () {
  "use strict";
  var THEME = ["primary", "text", "background", "font"];
  var scripts = document.currentScript ? [document.currentScript]
    : document.querySelectorAll("script[data-campaign]:not([data-advocacy-embedded])");

  function embed(script) {
    if (script.getAttribute("data-advocacy-embedded")) { return; }
    script.setAttribute("data-advocacy-embedded", "1");
    var campaign = script.getAttribute("data-campaign") || "";
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(campaign)) { return; }
    var ours = new URL(script.src, document.baseURI).origin;
    var query = new URLSearchParams();
    [["ally", "data-ally"], ["lang", "data-lang"], ["source", "data-source"]].forEach(function (pair) {
      var value = script.getAttribute(pair[1]);
      if (value) { query.set(pair[0], value); }
    });
    THEME.forEach(function (name) {
      var value = script.getAttribute("data-" + name);
      if (value) { query.set(name, value); }  // checked again by the server: only colours and font names pass
    });
    query.set("origin", window.location.origin);
    var frame = document.createElement("iframe");
    frame.src = ours + "/embed/" + campaign + "?" + query.toString();
    frame.title = script.getAttribute("data-title") ||
      (script.getAttribute("data-lang") === "fr" ? "Formulaire de la campagne" : "Campaign form");
    frame.setAttribute("scrolling", "no");
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = "640px";  // until the widget reports its real height
    frame.style.display = "block";
    script.parentNode.insertBefore(frame, script.nextSibling);

    window.addEventListener("message", function (event) {
      if (event.origin !== ours || event.source !== frame.contentWindow) { return; }
      var data = event.data;
      if (!data || data.type !== "advocacy:height" || typeof data.height !== "number") { return; }
      var height = Math.max(100, Math.min(Math.round(data.height), 20000));
      frame.style.height = height + "px";
    });
  }

  Array.prototype.forEach.call(scripts, embed);
})();
