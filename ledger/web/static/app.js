// Small helpers of the workbench pages; no inline script anywhere (the
// Content-Security-Policy forbids it).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
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
