// Inside the widget frame: tell the ally's page our height so the frame fits without scrolling.
// Messages go only to the origin the server checked against the allowlist (data-parent-origin);
// postMessage's second argument makes the browser drop them if the parent is any other site.
(function () {
  var target = document.body && document.body.getAttribute("data-parent-origin");
  if (!target || window.parent === window) { return; }
  var campaign = document.body.getAttribute("data-campaign");
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) { return; }
    last = height;
    window.parent.postMessage({ type: "advocacy:height", campaign: campaign, height: height }, target);
  }
  if (window.ResizeObserver) { new ResizeObserver(send).observe(document.documentElement); }
  window.addEventListener("load", send);
  document.addEventListener("toggle", send, true);  // <details> opening or closing
  send();
})();
