// 月末结账 (/batch): while a run of the batch works, poll its status and
// move the progress bar; when it ends, show its result. A form that starts
// a run disables its button so that it is not sent twice.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.batch-upload, form.batch-preview, form.batch-close").forEach(function (f) {
    f.addEventListener("submit", function () {
      var b = f.querySelector("button[type=submit]");
      if (b) {
        setTimeout(function () { b.disabled = true; b.textContent = "运行中……"; }, 0);
      }
    });
  });
  var box = document.querySelector("section.batch-progress[data-status]");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var step = box.querySelector(".batch-step");
  function poll() {
    fetch(box.dataset.status, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) {
          window.location.reload();
          return;
        }
        if (s.total > 0) {
          bar.value = Math.floor(s.done * 100 / s.total);
          step.textContent = "第 " + s.done + "/" + s.total + " 步：" + s.step;
        }
        if (s.finished) {
          window.location.replace(s.page);
          return;
        }
        setTimeout(poll, 400);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 200);
});
