// Small helpers of the workbench pages; no inline script anywhere (the
// Content-Security-Policy forbids it).
"use strict";

// api calls /api/v1 as the signed-in user: the session cookie goes along,
// and the session's CSRF token (the csrf-token meta tag) in X-CSRF-Token.
// Writes also need an Idempotency-Key.
window.ledgerAPI = function (method, path, body) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var headers = { "X-CSRF-Token": meta ? meta.content : "", "Accept": "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["Idempotency-Key"] = "web-" + Date.now() + "-" + Math.random().toString(36).slice(2);
  }
  return fetch("/api/v1" + path, { method: method, headers: headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
};
document.addEventListener("DOMContentLoaded", function () {
  // The overview's saved queries: their counts come by a request of their
  // own, written beside the links when they arrive.
  document.querySelectorAll("[data-counts]").forEach(function (t) {
    fetch(t.dataset.counts, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (counts) {
        if (!counts) { return; }
        t.querySelectorAll("a[data-saved]").forEach(function (a) {
          if (a.dataset.saved in counts) { a.textContent = counts[a.dataset.saved] + " 笔"; }
        });
        t.classList.add("counted");
      })
      .catch(function () {});
  });
  // 全选: a header checkbox selects every voucher of its group.
  document.querySelectorAll("input.select-all").forEach(function (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input.pick[data-group="' + all.dataset.group + '"]').forEach(function (c) { c.checked = all.checked; });
      syncButtons();
    });
  });
  // A selection button is enabled only with a voucher selected.
  function syncButtons() {
    document.querySelectorAll("button[data-needs-pick]").forEach(function (b) {
      b.disabled = document.querySelectorAll('input.pick[data-group="' + b.dataset.needsPick + '"]:checked').length === 0;
    });
  }
  document.querySelectorAll("input.pick").forEach(function (c) { c.addEventListener("change", syncButtons); });
  syncButtons();
  // Confirm before an act that cannot be undone.
  document.querySelectorAll("button[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) { if (!window.confirm(b.dataset.confirm)) { e.preventDefault(); } });
  });
  document.querySelectorAll("button[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
});
