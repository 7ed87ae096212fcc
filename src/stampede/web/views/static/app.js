// The site's only script (no inline scripts: the CSP forbids them).
// Live waiting-room position: server-sent events, falling back to polling with ETag.
(function () {
  "use strict";

  function show(room, place) {
    var position = room.querySelector("[data-position]");
    if (position && place.position !== undefined && place.position !== null) {
      position.textContent = String(place.position);
    }
    var wait = room.querySelector("[data-wait]");
    if (wait && place.estimated_wait_s !== undefined && place.estimated_wait_s !== null) {
      wait.textContent = String(Math.ceil(place.estimated_wait_s));
    }
    if (place.admitted) {
      room.dispatchEvent(new CustomEvent("admitted", { detail: place }));
      var next = room.getAttribute("data-admitted-url");
      if (next) { window.location.assign(next); }
      return true;
    }
    return false;
  }

  function poll(room) {
    var url = room.getAttribute("data-poll-url");
    var etag = null;
    function tick() {
      var headers = { "accept": "application/json" };
      if (etag) { headers["if-none-match"] = etag; }
      fetch(url, { headers: headers, credentials: "same-origin" }).then(function (res) {
        if (res.status === 304) { return null; }
        etag = res.headers.get("etag");
        return res.ok ? res.json() : null;
      }).then(function (place) {
        if (place && show(room, place)) { return; }
        window.setTimeout(tick, 1000);
      }).catch(function () { window.setTimeout(tick, 2000); });
    }
    tick();
  }

  function watch(room) {
    var streamUrl = room.getAttribute("data-stream-url");
    if (!window.EventSource || !streamUrl) { poll(room); return; }
    var source = new EventSource(streamUrl);
    var opened = false;
    source.addEventListener("open", function () { opened = true; });
    source.addEventListener("message", function (event) {
      var place = JSON.parse(event.data);
      if (show(room, place)) { source.close(); }
    });
    source.addEventListener("error", function () {
      source.close();
      room.setAttribute("data-live", opened ? "ended" : "polling");
      poll(room);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-waiting-room]").forEach(watch);
    document.querySelectorAll("[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
