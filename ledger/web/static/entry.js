// 凭证录入: live totals, 差额 and 大写; Enter/Tab move on and a new line
// appears at the end; the available balance of a spending line; the
// identity number checked as it is typed. The form works without it.
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
    body.appendChild(tr);
    return tr;
  }

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
  recalc();
}());
