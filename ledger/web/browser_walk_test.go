package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestBrowserFebruaryWalk is the demo's February done in the browser, each
// person in their own account and through the pages only, on a book with
// the demo's setup and no voucher yet: the finance officer (王芳) makes the
// month in 凭证录入 (the 90,000.00 received from above, the 230,000.00 of
// matching, an allocation to the 高速汾阳东口 branch, that branch's
// condolence spending with a beneficiary and an item, a return of part of
// the rest); the checker (李强) checks all of them from /queue in one act,
// the cashier (赵敏) signs the bank vouchers, a second checker (周慧) posts
// them; the spending is found by 收款人 and by amount; 科目余额表 shows the
// month, the branch's 121801 leads to its 明细账 and a line to its voucher;
// the month printed to PDF holds every 凭证字号, the 大写 and the names.
func TestBrowserFebruaryWalk(t *testing.T) {
	exe := chromium(t)
	e := newBareEnv(t)
	dir := shots(t)
	h := newHeadless(t, exe, dir, "walk")
	step, failed, do := h.step, h.failed, h.do
	// submit clicks sel, which loads a page, checks the answer's status and
	// waits for then, an element of the page loaded that the page left has
	// not (see TestBrowserVoucherEntryAndBooks).
	submit := func(what, sel, then string) {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			failed(what, err)
		}
		if res.Status != 200 {
			failed(what, fmt.Errorf("status %d", res.Status))
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(then))); err != nil {
			failed(what, err)
		}
	}
	// open loads path and waits for then.
	open := func(path, then string) {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		res, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.ts.URL+path))
		if err != nil {
			failed("open "+path, err)
		}
		if res.Status != 200 {
			failed("open "+path, fmt.Errorf("status %d", res.Status))
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(then))); err != nil {
			failed("open "+path, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			failed("read "+sel, err)
		}
		return strings.TrimSpace(s)
	}
	eval := func(what, js string) []string {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			failed(what, err)
		}
		return out
	}
	location := func() string {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			failed("read the location", err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			failed("screenshot "+name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	login := func(user string) {
		t.Helper()
		open("/login", "input[name=username]")
		do("sign in as "+user, chromedp.SendKeys(chromedp.CSS("input[name=username]"), user),
			chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords[user]))
		submit("sign in as "+user, "button[type=submit]", "header.topbar")
	}
	logout := func() {
		t.Helper()
		submit("sign out", `form[action="/logout"] button`, "input[name=username]")
	}
	// retype empties a field, then types v into it (an input event per key,
	// as the page's script expects).
	retype := func(sel chromedp.CSS, v string) chromedp.Action[chromedp.Void] {
		clear := chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).value = "") === ""`, string(sel)))
		return chromedp.Steps(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, clear)
			return err
		}), chromedp.SendKeys(sel, v))
	}
	line := func(n int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf("#lines tr.line:nth-of-type(%d) .%s", n, field))
	}
	// statuses reads the rows of the page's voucher lists: 凭证字号 → 状态.
	statuses := func() map[string]string {
		t.Helper()
		rows := eval("read the voucher list", `Array.from(document.querySelectorAll("table.vlist tbody tr")).filter(tr => tr.cells.length > 2)
			.map(tr => Array.from(tr.cells).map(c => c.textContent.trim()).join("|"))`)
		out := map[string]string{}
		word := regexp.MustCompile(`记-\d{4}`)
		for _, r := range rows {
			cells := strings.Split(r, "|")
			for i, c := range cells {
				if word.MatchString(c) && i+4 < len(cells) {
					out[c] = cells[i+4]
				}
			}
		}
		return out
	}
	// monthIs opens 凭证查询 of February and wants each voucher in status.
	monthIs := func(when string, want map[string]ledger.VoucherStatus) {
		t.Helper()
		open("/vouchers?period=2020-02", "table.vlist")
		got := statuses()
		for w, st := range want {
			if got[w] != st.Name() {
				t.Errorf("%s: %s reads %q in 凭证查询, want %q (all: %v)", when, w, got[w], st.Name(), got)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: 凭证查询 lists %v", when, got)
		}
	}

	// 1. The finance officer makes the month, each voucher a draft.
	type made struct {
		id    int64
		word  string
		total string
		daxie string
	}
	var month []made
	makeVoucher := func(flow, total, daxie string, fill ...chromedp.Action[chromedp.Void]) made {
		t.Helper()
		open("/vouchers/new?flow="+flow, "#lines")
		do("fill "+flow, fill...)
		if got := text("#daxie"); got != daxie {
			t.Errorf("%s: 大写 of the grid %q, want %q", flow, got, daxie)
		}
		if got := text("#difference"); got != "0.00" {
			t.Errorf("%s: 差额 %q", flow, got)
		}
		submit("save "+flow, "#save", "#files-count")
		loc := location()
		m := regexp.MustCompile(`/vouchers/(\d+)$`).FindStringSubmatch(strings.SplitN(loc, "?", 2)[0])
		if m == nil {
			failed("save "+flow, fmt.Errorf("the browser is at %s", loc))
		}
		var id int64
		fmt.Sscan(m[1], &id)
		v := made{id: id, word: fmt.Sprintf("记-%04d", len(month)+1), total: total, daxie: daxie}
		if h := text("main h1"); !strings.Contains(h, v.word) || !strings.Contains(h, ledger.StatusDraft.Name()) {
			t.Errorf("%s saved: the page reads %q, want %s %s", flow, h, v.word, ledger.StatusDraft.Name())
		}
		if got := text("table.lines tfoot"); !strings.Contains(got, daxie) || !strings.Contains(got, total) {
			t.Errorf("%s saved: 合计 reads %q", flow, got)
		}
		month = append(month, v)
		return v
	}
	header := func(date, attachments, decision, payee, payeeType string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.SetValue(chromedp.CSS("input[name=date]"), date),
			retype(chromedp.CSS("input[name=attachments]"), attachments),
			chromedp.SendKeys(chromedp.CSS("input[name=decision]"), decision),
			chromedp.SendKeys(chromedp.CSS("input[name=payee]"), payee),
			chromedp.SetValue(chromedp.CSS("select[name=payee_type]"), payeeType))
	}

	login("wangfang")
	receive := makeVoucher(ledger.FlowReceive, "90,000.00", "玖万元整",
		header("2020-02-05", "2", "晋组通〔2020〕8号", "", ""),
		chromedp.SendKeys(line(1, "fund"), "FY-UP"), chromedp.SendKeys(line(1, "debit"), "90000.00"),
		chromedp.SendKeys(line(2, "fund"), "FY-UP"), chromedp.SendKeys(line(2, "credit"), "90000.00"))
	match := makeVoucher(ledger.FlowMatch, "230,000.00", "贰拾叁万元整",
		header("2020-02-06", "1", "汾组字〔2020〕5号", "", ""),
		chromedp.SendKeys(line(1, "fund"), "FY-MATCH"), chromedp.SendKeys(line(1, "debit"), "230000.00"),
		chromedp.SendKeys(line(2, "fund"), "FY-MATCH"), chromedp.SendKeys(line(2, "credit"), "230000.00"))
	allocate := makeVoucher(ledger.FlowAllocate, "20,000.00", "贰万元整",
		header("2020-02-07", "1", "市委组织部部务会2020年第2次会议", "汾阳市交通运输局", ledger.PayeeHostUnit),
		retype(line(1, "org"), "FY-CP-01"), chromedp.SendKeys(line(1, "fund"), "FY-UP"), chromedp.SendKeys(line(1, "debit"), "20000.00"),
		chromedp.SendKeys(line(2, "fund"), "FY-UP"), chromedp.SendKeys(line(2, "credit"), "20000.00"))
	spend := makeVoucher(ledger.FlowSpend, "1,500.00", "壹仟伍佰元整",
		header("2020-02-08", "3", "支委会2020年第1次会议", "张三", ledger.PayeeIndividual),
		retype(line(1, "account"), ledger.AcctCondolence), retype(line(1, "org"), "FY-CP-01"), chromedp.SendKeys(line(1, "fund"), "FY-UP"),
		chromedp.SetValue(line(1, "purpose"), string(ledger.Condolence)), chromedp.SendKeys(line(1, "debit"), "1500.00"),
		retype(line(2, "account"), ledger.AcctPending), retype(line(2, "org"), "FY-CP-01"), chromedp.SendKeys(line(2, "fund"), "FY-UP"),
		chromedp.SendKeys(line(2, "credit"), "1500.00"),
		chromedp.SendKeys(chromedp.CSS("input[name=ben_name]"), "张三"), chromedp.SetValue(chromedp.CSS("select[name=ben_category]"), "党员"),
		chromedp.SendKeys(chromedp.CSS("input[name=ben_id]"), "11010519491231002X"),
		chromedp.SendKeys(chromedp.CSS("input[name=ben_amount]"), "1500.00"),
		chromedp.SendKeys(chromedp.CSS("input[name=ben_reason]"), "一线执勤因病住院"),
		chromedp.SendKeys(chromedp.CSS("#items tr.item:nth-of-type(1) .item-name"), "慰问品（米面油）"),
		chromedp.SendKeys(chromedp.CSS("input[name=item_unit]"), "份"),
		chromedp.SendKeys(chromedp.CSS("#items tr.item:nth-of-type(1) .item-qty"), "2"),
		chromedp.SendKeys(chromedp.CSS("#items tr.item:nth-of-type(1) .item-price"), "750.00"))
	ret := makeVoucher(ledger.FlowReturn, "5,000.00", "伍仟元整",
		header("2020-02-09", "1", "支委会2020年第2次会议", "中共汾阳市委组织部", ledger.PayeeOrg),
		chromedp.SendKeys(line(1, "fund"), "FY-UP"), chromedp.SendKeys(line(1, "debit"), "5000.00"),
		retype(line(2, "org"), "FY-CP-01"), chromedp.SendKeys(line(2, "fund"), "FY-UP"), chromedp.SendKeys(line(2, "credit"), "5000.00"))
	want := map[string]ledger.VoucherStatus{}
	for _, v := range month {
		want[v.word] = ledger.StatusDraft
	}
	monthIs("after making", want)
	logout()

	// 2. Check all in one act, sign the bank vouchers, post all.
	words := func(section string) []string {
		t.Helper()
		ws := eval("read "+section, fmt.Sprintf(`Array.from(document.querySelectorAll("#%s table.vlist tbody tr td:nth-child(3)")).map(td => td.textContent.trim())`, section))
		slices.Sort(ws)
		return ws
	}
	all := func(vs ...made) []string {
		var ws []string
		for _, v := range vs {
			ws = append(ws, v.word)
		}
		slices.Sort(ws)
		return ws
	}
	login("liqiang")
	open("/queue", "#check input.select-all")
	if got := words("check"); !slices.Equal(got, all(month...)) {
		t.Errorf("待审核 lists %v, want %v", got, all(month...))
	}
	do("select all to check", chromedp.Click(chromedp.CSS("#check input.select-all")))
	if n := eval("count the selected", `Array.from(document.querySelectorAll("#check input.pick:checked")).map(c => c.value)`); len(n) != len(month) {
		t.Errorf("select-all picked %v", n)
	}
	shot("web-walk-queue.png")
	submit("check the month at once", "#check button[data-needs-pick]", "p.notice")
	if n := text("p.notice"); !strings.Contains(n, fmt.Sprintf("已审核 %d 张凭证", len(month))) {
		t.Errorf("the notice after checking: %q", n)
	}
	for w := range want {
		want[w] = ledger.StatusChecked
	}
	monthIs("after checking", want)
	logout()

	bank := all(receive, match, allocate, ret)
	login("zhaomin")
	open("/queue", "#sign input.select-all")
	if got := words("sign"); !slices.Equal(got, bank) {
		t.Errorf("待出纳签字 lists %v, want the bank vouchers %v", got, bank)
	}
	do("select all to sign", chromedp.Click(chromedp.CSS("#sign input.select-all")))
	submit("sign the bank vouchers", "#sign button[data-needs-pick]", "p.notice")
	if n := text("p.notice"); !strings.Contains(n, fmt.Sprintf("已出纳签字 %d 张凭证", len(bank))) {
		t.Errorf("the notice after signing: %q", n)
	}
	for _, w := range bank {
		want[w] = ledger.StatusSigned
	}
	monthIs("after signing", want)
	logout()

	login("zhouhui")
	open("/queue", "#post input.select-all")
	if got := words("post"); !slices.Equal(got, all(month...)) {
		t.Errorf("待记账 lists %v, want %v", got, all(month...))
	}
	do("select all to post", chromedp.Click(chromedp.CSS("#post input.select-all")))
	submit("post the month", "#post button[data-needs-pick]", "p.notice")
	if n := text("p.notice"); !strings.Contains(n, fmt.Sprintf("已记账 %d 张凭证", len(month))) {
		t.Errorf("the notice after posting: %q", n)
	}
	for w := range want {
		want[w] = ledger.StatusPosted
	}
	monthIs("after posting", want)
	logout()

	// In the database: all posted, numbered 1…5 without a gap, in the
	// order made, each by its people.
	vs, err := e.db.SearchVouchers(context.Background(), postgres.VoucherSearch{Book: book, From: time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(month) {
		t.Fatalf("February holds %d vouchers, want %d", len(vs), len(month))
	}
	for _, v := range vs {
		i := slices.IndexFunc(month, func(m made) bool { return m.id == v.ID })
		if i < 0 || v.Number != i+1 || v.Status != ledger.StatusPosted || v.Maker != "wangfang" || v.Checker != "liqiang" || v.Poster != "zhouhui" {
			t.Errorf("%s (id %d, made %d-th): %s by %s/%s/%s", v.Word(), v.ID, i+1, v.Status, v.Maker, v.Checker, v.Poster)
		}
		if signed := slices.Contains(bank, v.Word()); signed != (v.Cashier == "zhaomin") {
			t.Errorf("%s signed by %q", v.Word(), v.Cashier)
		}
	}

	// 3. Find the spending by 收款人 and by amount; its page.
	login("wangfang")
	open("/vouchers", "form.filters")
	do("search by 收款人", chromedp.SendKeys(chromedp.CSS("input[name=payee]"), "张三"))
	submit("search by 收款人", `form.filters button[type=submit]`, "table.vlist")
	if got := statuses(); len(got) != 1 || got[spend.word] != ledger.StatusPosted.Name() {
		t.Errorf("收款人 张三 finds %v", got)
	}
	open("/vouchers", "form.filters")
	do("search by amount", chromedp.SendKeys(chromedp.CSS("input[name=amount_min]"), "1000"),
		chromedp.SendKeys(chromedp.CSS("input[name=amount_max]"), "2000"))
	submit("search by amount", `form.filters button[type=submit]`, "table.vlist")
	if got := statuses(); len(got) != 1 || got[spend.word] != ledger.StatusPosted.Name() {
		t.Errorf("1,000–2,000 finds %v", got)
	}
	submit("open the spending", fmt.Sprintf(`table.vlist a[href="/vouchers/%d"]`, spend.id), "table.history")
	body := text("main")
	for _, s := range []string{spend.word, "已记账", ledger.AcctCondolence, ledger.AcctPending, "高速汾阳东口检测站点临时党支部", "1,500.00", "壹仟伍佰元整",
		"受益人", "张三", "一线执勤因病住院", "物品明细", "慰问品（米面油）", "制单：王芳", "审核：李强", "记账：周慧"} {
		if !strings.Contains(body, s) {
			t.Errorf("the spending's page lacks %q", s)
		}
	}
	if strings.Contains(body, "11010519491231002X") {
		t.Errorf("the spending's page shows the identity number unmasked")
	}
	history := strings.Join(eval("read the history", `Array.from(document.querySelectorAll("table.history tbody tr td:nth-child(4)")).map(td => td.textContent.trim())`), ",")
	for _, who := range []string{"王芳", "李强", "周慧"} {
		if !strings.Contains(history, who) {
			t.Errorf("the spending's history lacks %s: %s", who, history)
		}
	}
	// a bank voucher's history has the four people
	open(fmt.Sprintf("/vouchers/%d", receive.id), "table.history")
	history = strings.Join(eval("read the history", `Array.from(document.querySelectorAll("table.history tbody tr td:nth-child(4)")).map(td => td.textContent.trim())`), ",")
	for _, who := range []string{"王芳", "李强", "赵敏", "周慧"} {
		if !strings.Contains(history, who) {
			t.Errorf("the receipt's history lacks %s: %s", who, history)
		}
	}

	// 4. 科目余额表 of the month → the branch's → 121801 → 明细账 → voucher.
	open("/books/balances?period=2020-02", "table.books")
	row := func(account string) []string {
		t.Helper()
		return eval("read the row of "+account, fmt.Sprintf(`(() => { const tr = Array.from(document.querySelectorAll("table.books tbody tr"))
			.find(tr => tr.cells[0].textContent.trim().startsWith(%q)); return tr ? Array.from(tr.cells).map(c => c.textContent.trim()) : []; })()`, account))
	}
	// 7 cells: 科目, 方向, 期初, 本期借方, 本期贷方, 方向, 期末
	checkRow := func(what, account, debit, credit, dir, closing string) {
		t.Helper()
		r := row(account)
		if len(r) != 7 || r[3] != debit || r[4] != credit || r[5] != dir || r[6] != closing {
			t.Errorf("%s: the row of %s reads %q, want debit %s credit %s closing %s %s", what, account, r, debit, credit, dir, closing)
		}
	}
	checkRow("科目余额表", ledger.AcctBank, "325,000.00", "20,000.00", "借", "305,000.00")
	checkRow("科目余额表", ledger.AcctUpperIncome, "", "90,000.00", "贷", "90,000.00")
	checkRow("科目余额表", ledger.AcctMatching, "", "230,000.00", "贷", "230,000.00")
	checkRow("科目余额表", ledger.AcctPending, "20,000.00", "6,500.00", "借", "13,500.00")
	checkRow("科目余额表", ledger.AcctCondolence, "1,500.00", "", "借", "1,500.00")
	if got := text("table.books tfoot"); !strings.Contains(got, "346,500.00") {
		t.Errorf("the month's 合计 reads %q, want 346,500.00 each side", got)
	}
	shot("web-walk-balances.png")
	do("choose the branch", chromedp.SetValue(chromedp.CSS("form.filters select[name=org]"), "FY-CP-01"))
	submit("the branch's 科目余额表", "form.filters button[type=submit]", "table.books")
	if h := text("main h1"); !strings.Contains(h, "高速汾阳东口检测站点临时党支部") {
		t.Errorf("the branch's 科目余额表 is headed %q", h)
	}
	checkRow("the branch's 科目余额表", ledger.AcctPending, "20,000.00", "6,500.00", "借", "13,500.00")
	if r := row(ledger.AcctBank); len(r) != 0 {
		t.Errorf("the branch's 科目余额表 has the book's bank: %q", r)
	}
	submit("open the branch's 121801", fmt.Sprintf(`table.books a[href^="/books/ledger?account=%s&org=FY-CP-01"]`, ledger.AcctPending), "table.books")
	if h := text("main h1"); !strings.Contains(h, "明细账") || !strings.Contains(h, ledger.AcctPending) || !strings.Contains(h, "高速汾阳东口检测站点临时党支部") {
		t.Errorf("the 明细账 is headed %q", h)
	}
	lines := eval("read the 明细账", `Array.from(document.querySelectorAll("table.books tbody tr td:nth-child(2) a")).map(a => a.textContent.trim())`)
	if !slices.Equal(lines, []string{allocate.word, spend.word, ret.word}) {
		t.Errorf("the branch's 121801 明细账 lists %v", lines)
	}
	if got := text("table.books"); !strings.Contains(got, "13,500.00") {
		t.Errorf("the 明细账 lacks the closing 13,500.00: %s", got)
	}
	submit("open the spending from its line", fmt.Sprintf(`table.books a[href="/vouchers/%d"]`, spend.id), "table.history")
	if h := text("main h1"); !strings.Contains(h, spend.word) {
		t.Errorf("the 明细账 line opened %q", h)
	}

	// 5. The month printed, in number order, to PDF by Chromium.
	open("/vouchers/print?period=2020-02", ".voucher-form")
	printed := strings.Join(strings.Fields(h.pdfText(filepath.Join(dir, "walk-month.pdf"))), "")
	at := -1
	for i, v := range month {
		no := fmt.Sprintf("记字第%d号", i+1)
		k := strings.Index(printed, no)
		if k < 0 {
			t.Errorf("the printed month lacks %s", no)
			continue
		}
		if k < at {
			t.Errorf("the printed month has %s before 记字第%d号", no, i)
		}
		at = k
		if !strings.Contains(printed, v.daxie) || !strings.Contains(printed, v.total) {
			t.Errorf("the printed month lacks %s's total %s %s", v.word, v.daxie, v.total)
		}
	}
	for _, want := range []string{"制单：王芳", "审核：李强", "出纳：赵敏", "记账：周慧", "会计主管"} {
		if n := strings.Count(printed, want); n == 0 || (want != "出纳：赵敏" && n != len(month)) {
			t.Errorf("the printed month has %q %d times", want, n)
		}
	}
	if n := strings.Count(printed, "出纳：赵敏"); n != len(bank) {
		t.Errorf("the printed month has the cashier's name %d times, want %d", n, len(bank))
	}
}
