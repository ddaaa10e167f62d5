// 凭证录入: live totals, 差额 and 大写; Enter/Tab move on and a new line
// appears at the end; the available balance of a spending line; the
// identity number checked as it is typed; items' 数量 × 单价 checked
// against 金额 to the fen and their sum against the line; files dropped or
// chosen shown before they are sent; 常用摘要 picked, saved and removed.
// The form works without it.
(function () {
  "use strict";
  var form = document.getElementById("entry");
  if (!form) { return; }
  var body = document.querySelector("#lines tbody");
  var digits = "零壹贰叁肆伍陆柒捌玖";
  var units = ["", "拾", "佰", "仟"];

  function fen(s) {
    s = (s || "").replace(/,/g, "").trim();
    if (!/^\d+(\.\d{0,2})?$/.test(s)) { return s === "" ? 0 : NaN; }
    var p = s.split(".");
    return parseInt(p[0], 10) * 100 + parseInt(((p[1] || "") + "00").slice(0, 2), 10);
  }
  function fmt(f) {
    var y = Math.floor(f / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return y + "." + ("0" + (f % 100)).slice(-2);
  }
  // daxie is ledger.ToDaXie (PBOC rules: one 零 for a run of zeros, 整
  // without 分).
  function daxie(f) {
    if (f === 0) { return "零元整"; }
    var yuan = Math.floor(f / 100), jiao = Math.floor(f / 10) % 10, fe = f % 10, out = "";
    if (yuan > 0) {
      var d = [], i, started = false, zero = false;
      for (i = 0; i < 12; i++) { d.push(yuan % 10); yuan = Math.floor(yuan / 10); }
      for (i = 11; i >= 0; i--) {
        if (d[i] === 0) { zero = started; } else {
          if (zero) { out += "零"; zero = false; }
          out += digits[d[i]] + units[i % 4];
          started = true;
        }
        if ((i === 8 || i === 4) && d[i] + d[i + 1] + d[i + 2] + d[i + 3] !== 0) { out += i === 8 ? "亿" : "万"; }
      }
      out += "元";
    }
    if (jiao === 0 && fe === 0) { return out + "整"; }
    if (jiao === 0) { return out + (out ? "零" : "") + digits[fe] + "分"; }
    out += digits[jiao] + "角";
    return fe === 0 ? out + "整" : out + digits[fe] + "分";
  }

  var avail = {};
  document.querySelectorAll("#available-data li").forEach(function (li) {
    avail[li.dataset.org + "|" + li.dataset.fund] = parseInt(li.dataset.fen, 10);
  });

  function recalc() {
    var dr = 0, cr = 0, bad = false, notes = [];
    body.querySelectorAll("tr.line").forEach(function (tr) {
      var d = fen(tr.querySelector(".debit").value), c = fen(tr.querySelector(".credit").value);
      if (isNaN(d) || isNaN(c)) { bad = true; return; }
      dr += d; cr += c;
      var acct = tr.querySelector(".account").value, org = tr.querySelector(".org").value, fund = tr.querySelector(".fund").value;
      if (/^5/.test(acct) && d > 0 && fund) {
        var a = avail[org + "|" + fund];
        if (a === undefined) { a = 0; }
        var note = (org || "") + " " + fund + " 可用余额 " + fmt(a);
        if (d > a) { note += "，不足 " + fmt(d - a); tr.classList.add("short"); } else { tr.classList.remove("short"); }
        notes.push(note);
      }
    });
    document.getElementById("total-debit").textContent = bad ? "?" : fmt(dr);
    document.getElementById("total-credit").textContent = bad ? "?" : fmt(cr);
    var diff = document.getElementById("difference");
    diff.textContent = bad ? "金额格式有误" : (dr === cr ? "0.00" : fmt(Math.abs(dr - cr)) + (dr > cr ? "（借方多）" : "（贷方多）"));
    diff.className = (bad || dr !== cr) ? "error" : "";
    document.getElementById("daxie").textContent = bad ? "" : daxie(Math.max(dr, cr));
    var av = document.getElementById("available");
    av.textContent = notes.join("；");
    av.className = body.querySelector("tr.short") ? "error" : "";
  }

  function addLine() {
    var rows = body.querySelectorAll("tr.line"), last = rows[rows.length - 1];
    var tr = last.cloneNode(true);
    tr.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    tr.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
    tr.querySelector(".no").textContent = rows.length + 1;
    // copy the summary and the organisation down (用友's habit)
    tr.querySelector(".summary").value = last.querySelector(".summary").value;
    tr.querySelector(".org").value = last.querySelector(".org").value;
    tr.querySelector(".fund").value = last.querySelector(".fund").value;
    tr.querySelectorAll(".account, .org, .fund").forEach(showName);
    body.appendChild(tr);
    return tr;
  }

  // showName writes the name of the code typed in a picker (科目, 党组织,
  // 资金来源) beside it, as its list names it.
  function showName(inp) {
    var span = inp.parentNode.querySelector(".code-name"), dl = inp.list, v = inp.value.trim(), name = "";
    if (!span || !dl) { return; }
    for (var i = 0; i < dl.options.length; i++) {
      if (dl.options[i].value === v) {
        name = dl.options[i].textContent;
        if (name.indexOf(v + " ") === 0) { name = name.slice(v.length + 1); }
        break;
      }
    }
    span.textContent = name;
  }
  body.addEventListener("input", function (e) {
    if (e.target.matches(".account, .org, .fund")) { showName(e.target); }
  });

  form.addEventListener("input", recalc);
  form.addEventListener("change", recalc);
  body.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" && !(e.key === "Tab" && !e.shiftKey)) { return; }
    var fields = Array.prototype.slice.call(body.querySelectorAll("input, select"));
    var i = fields.indexOf(e.target);
    if (i < 0) { return; }
    var tr = e.target.closest("tr");
    if (i === fields.length - 1 && (tr.querySelector(".debit").value || tr.querySelector(".credit").value)) {
      e.preventDefault();
      addLine().querySelector(".summary").focus();
      return;
    }
    if (e.key === "Enter" && i < fields.length - 1) {
      e.preventDefault();
      fields[i + 1].focus();
    }
  });

  // Enter in the grid never submits the form (a keypress may come apart
  // from its keydown)
  body.addEventListener("keypress", function (e) {
    if (e.key === "Enter" && e.target.tagName === "INPUT") { e.preventDefault(); }
  });

  var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function checkID(inp) {
    var v = inp.value.trim().toUpperCase(), hint = inp.parentNode.querySelector(".id-hint"), msg = "";
    if (v !== "") {
      if (!/^\d{17}[\dX]$/.test(v)) { msg = v.length < 18 ? "还差 " + (18 - v.length) + " 位" : "格式不对"; } else {
        var s = 0, i;
        for (i = 0; i < 17; i++) { s += parseInt(v[i], 10) * weights[i]; }
        msg = "10X98765432"[s % 11] === v[17] ? "✓" : "校验位不对";
      }
    }
    hint.textContent = msg;
    hint.className = "id-hint small" + (msg && msg !== "✓" ? " error" : "");
  }
  document.querySelectorAll("#beneficiaries .idcard").forEach(function (i) { if (i.value) { checkID(i); } });
  document.getElementById("beneficiaries").addEventListener("input", function (e) {
    if (e.target.classList.contains("idcard")) { checkID(e.target); }
  });
  document.getElementById("add-ben").addEventListener("click", function () {
    var tb = document.querySelector("#beneficiaries tbody"), rows = tb.querySelectorAll("tr.ben");
    var tr = rows[rows.length - 1].cloneNode(true);
    tr.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    tr.querySelector(".id-hint").textContent = "";
    tb.appendChild(tr);
  });

  // Items: 数量 × 单价 rounded half up to the fen (as ledger.ItemAmount),
  // exact in BigInt with up to 4 decimals each.
  var itemsBody = document.querySelector("#items tbody");
  function dec(s) {
    s = (s || "").trim();
    if (!/^\d+(\.\d+)?$/.test(s)) { return null; }
    var p = s.split("."), f = p[1] || "";
    return { n: BigInt(p[0] + f), scale: f.length };
  }
  function product(q, p) {
    var n = q.n * p.n, scale = q.scale + p.scale;
    if (scale <= 2) { return n * (10n ** BigInt(2 - scale)); }
    var d = 10n ** BigInt(scale - 2), r = n % d;
    n = n / d;
    return 2n * r >= d ? n + 1n : n;
  }
  function fmtBig(f) { return fmt(Number(f)); }
  function plainFen(f) { var s = f.toString().padStart(3, "0"); return s.slice(0, -2) + "." + s.slice(-2); }
  function checkItems() {
    if (!itemsBody) { return; }
    var sums = {}, notes = [];
    itemsBody.querySelectorAll("tr.item").forEach(function (tr) {
      var hint = tr.querySelector(".item-check"), amt = tr.querySelector(".item-amount");
      var q = dec(tr.querySelector(".item-qty").value), p = dec(tr.querySelector(".item-price").value);
      var a = fen(amt.value), msg = "", bad = false;
      if (q && p) {
        var want = product(q, p);
        if (amt.value.trim() === "") { msg = "应为 " + fmtBig(want); } else if (isNaN(a)) { msg = "金额格式有误"; bad = true; } else if (BigInt(a) === want) { msg = "✓"; } else {
          msg = "数量×单价＝" + fmtBig(want) + "，与金额不符"; bad = true;
        }
      } else if (tr.querySelector(".item-qty").value.trim() || tr.querySelector(".item-price").value.trim()) {
        msg = "数量、单价应为正数（最多4位小数）"; bad = true;
      }
      hint.textContent = msg;
      hint.className = "item-check small" + (bad ? " error" : "");
      var line = tr.querySelector(".item-line").value.trim();
      if (tr.querySelector(".item-name").value.trim() !== "" && !isNaN(a) && a > 0) {
        sums[line] = (sums[line] || 0) + a;
      }
    });
    var rows = body.querySelectorAll("tr.line"), mismatch = false;
    Object.keys(sums).sort().forEach(function (line) {
      var tr = rows[parseInt(line, 10) - 1], dr = tr ? fen(tr.querySelector(".debit").value) : NaN;
      if (isNaN(dr)) { notes.push("第" + line + "行不存在或金额有误"); mismatch = true; return; }
      if (dr === sums[line]) { notes.push("第" + line + "行物品合计 " + fmt(sums[line]) + " ✓"); } else {
        notes.push("第" + line + "行物品合计 " + fmt(sums[line]) + "，借方 " + fmt(dr) + "，不符"); mismatch = true;
      }
    });
    var out = document.getElementById("items-check");
    out.textContent = notes.join("；");
    out.className = "small" + (mismatch ? " error" : "");
  }
  if (itemsBody) {
    itemsBody.addEventListener("input", function (e) {
      var tr = e.target.closest("tr.item");
      if (!tr) { return; }
      var amt = tr.querySelector(".item-amount");
      if (e.target === amt) { delete amt.dataset.auto; } else if (amt.value.trim() === "" || amt.dataset.auto) {
        var q = dec(tr.querySelector(".item-qty").value), p = dec(tr.querySelector(".item-price").value);
        if (q && p) { amt.value = plainFen(product(q, p)); amt.dataset.auto = "1"; } else if (amt.dataset.auto) { amt.value = ""; }
      }
    });
    itemsBody.addEventListener("keypress", function (e) {
      if (e.key === "Enter" && e.target.tagName === "INPUT") { e.preventDefault(); }
    });
    document.getElementById("add-item").addEventListener("click", function () {
      var rows = itemsBody.querySelectorAll("tr.item"), last = rows[rows.length - 1];
      var tr = last.cloneNode(true);
      tr.querySelectorAll("input").forEach(function (i) { if (!i.classList.contains("item-line")) { i.value = ""; } delete i.dataset.auto; });
      tr.querySelector(".item-check").textContent = "";
      itemsBody.appendChild(tr);
      tr.querySelector(".item-name").focus();
    });
    form.addEventListener("input", checkItems);
    checkItems();
  }

  // 常用摘要: a click puts the text into the summary last typed in (or the
  // first empty one); saving and removing ask the page and redraw the list.
  var lastSummary = null;
  body.addEventListener("focusin", function (e) { if (e.target.classList.contains("summary")) { lastSummary = e.target; } });
  var panel = document.getElementById("summary-panel");
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function drawSummaries(list) {
    var ul = document.getElementById("summary-list"), dl = document.getElementById("summaries");
    ul.textContent = "";
    dl.textContent = "";
    if (list.length === 0) {
      var none = document.createElement("li");
      none.className = "empty";
      none.textContent = "还没有常用摘要";
      ul.appendChild(none);
    }
    list.forEach(function (t) {
      var li = document.createElement("li"), use = document.createElement("button");
      use.type = "button";
      use.className = "link use-summary";
      use.dataset.text = t;
      use.textContent = t;
      var f = document.createElement("form");
      f.method = "post";
      f.action = "/summaries/remove";
      f.className = "inline remove-summary";
      [["csrf", csrf()], ["text", t], ["next", location.pathname]].forEach(function (kv) {
        var h = document.createElement("input");
        h.type = "hidden"; h.name = kv[0]; h.value = kv[1];
        f.appendChild(h);
      });
      var x = document.createElement("button");
      x.type = "submit"; x.className = "link"; x.title = "删除"; x.textContent = "×";
      f.appendChild(x);
      li.appendChild(use);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(f);
      ul.appendChild(li);
      var o = document.createElement("option");
      o.value = t;
      dl.appendChild(o);
    });
  }
  function send(path, text) {
    var err = document.getElementById("summary-error");
    err.textContent = "";
    return fetch(path, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ text: text }).toString() })
      .then(function (res) { return res.json(); })
      .then(function (j) { if (j.error) { err.textContent = j.error; return false; } drawSummaries(j.summaries || []); return true; })
      .catch(function () { err.textContent = "保存失败，请稍后再试"; return false; });
  }
  if (panel) {
    panel.addEventListener("click", function (e) {
      var b = e.target.closest(".use-summary");
      if (!b) { return; }
      var target = lastSummary;
      if (!target) {
        target = Array.prototype.find.call(body.querySelectorAll(".summary"), function (i) { return i.value === ""; });
      }
      if (target) { target.value = b.dataset.text; target.focus(); recalc(); }
    });
    panel.addEventListener("submit", function (e) {
      var f = e.target;
      e.preventDefault();
      if (f.id === "add-summary") {
        var t = document.getElementById("summary-text");
        if (t.value.trim() === "" && lastSummary) { t.value = lastSummary.value; }
        send("/summaries", t.value).then(function (ok) { if (ok) { t.value = ""; } });
      } else if (f.classList.contains("remove-summary")) {
        send("/summaries/remove", f.querySelector('input[name="text"]').value);
      }
    });
  }
  recalc();
}());

// Files (the entry grid and a draft's page): dropped on the zone or
// chosen, listed (images as thumbnails) before the form sends them.
(function () {
  "use strict";
  // Files: dropped on the zone or chosen, listed (images as thumbnails)
  // before the form sends them.
  var zone = document.querySelector(".dropzone"), input = document.getElementById("files");
  function preview() {
    var ul = document.getElementById("file-preview");
    ul.textContent = "";
    Array.prototype.forEach.call(input.files, function (f) {
      var li = document.createElement("li");
      if (/^image\/(png|jpeg)$/.test(f.type)) {
        var img = document.createElement("img");
        img.className = "thumb";
        img.alt = f.name;
        var rd = new FileReader();
        rd.onload = function () { img.src = rd.result; };
        rd.readAsDataURL(f);
        li.appendChild(img);
      } else {
        var icon = document.createElement("span");
        icon.className = "file-icon";
        icon.textContent = f.type === "application/pdf" ? "PDF" : "?";
        li.appendChild(icon);
      }
      li.appendChild(document.createTextNode(" " + f.name + " (" + Math.ceil(f.size / 1024) + " KB)"));
      ul.appendChild(li);
    });
  }
  if (zone && input) {
    input.addEventListener("change", preview);
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; preview(); }
    });
  }
}());
