// Progressive enhancement for letter pages: show who the letter will go to as the postal code is typed.
// Without this script the preview step shows the same thing.
(function () {
  var output = document.querySelector("[data-lookup-levels]");
  var input = document.getElementById("postal_code");
  if (!output || !input || !window.fetch) { return; }
  var levels = output.getAttribute("data-lookup-levels").split(",");
  // The words come from the page, in its language: "Your MP" or "Votre député(e) fédéral(e)".
  var lang = output.getAttribute("data-lookup-lang") || "en";
  var last = "";
  function show(text) { output.textContent = text; }
  input.addEventListener("input", function () {
    var code = input.value.toUpperCase().replace(/[\s-]/g, "");
    if (code.length !== 6 || code === last) { return; }
    last = code;
    fetch("/api/v1/representatives?postal_code=" + encodeURIComponent(code) + "&lang=" + encodeURIComponent(lang),
          { credentials: "omit" })
      .then(function (response) { return response.json().then(function (body) { return [response.status, body]; }); })
      .then(function (result) {
        var status = result[0], body = result[1];
        if (code !== last) { return; }
        if (status !== 200) { show(body.error || ""); return; }
        var parts = [];
        levels.forEach(function (level) {
          var found = body.levels && body.levels[level];
          var first = found && found.candidates && found.candidates[0];
          if (first && first.representatives && first.representatives.length) {
            var label = output.getAttribute("data-label-" + level) || level;
            var colon = lang === "fr" ? " : " : ": ";  // French puts a space before a colon
            parts.push(label + colon + first.representatives[0].name +
                       " (" + first.district.name + ")");
          }
        });
        show(parts.length ? parts.join(". ") + "." : "");
      })
      .catch(function () { show(""); });
  });
})();
