package reports

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// checkInvariants reads the stored numbers of a written workbook back and
// asserts the cross-sheet invariants of SPEC §6. kinds maps fund names (as
// printed in T1) to their kinds. It returns T1's 合计 本期收入.
func checkInvariants(t *testing.T, data []byte, kinds map[string]ledger.FundKind) ledger.Money {
	t.Helper()
	f := openBook(t, data)
	if got := f.GetSheetList(); !slices.Equal(got, SheetNames) {
		t.Fatalf("sheets = %q, want %q", got, SheetNames)
	}

	// T1: every organisation row satisfies the SPEC §3 formula
	//   期初 + 收入 + 拨入 + 收回 − 拨出 − 使用 − 退回 = 期末;
	// every 合计 column is the sum of the rows; 本期收入 = upper + matching;
	// within the book 拨入 = 拨出 and 收回 = 退回.
	t1 := readGrid(t, f, SheetT1)
	total := t1.rowOf(1, "合计")
	if total == 0 {
		t.Fatal("T1 has no 合计 row")
	}
	var sums [8]ledger.Money
	upperMatching := ledger.Zero
	rows := t1.dataRows(3)
	if len(rows) == 0 {
		t.Fatal("T1 has no rows")
	}
	for _, r := range rows {
		var a [8]ledger.Money
		for k := range a {
			a[k] = t1.money(t, r, t1Opening+k)
			sums[k] = sums[k].Add(a[k])
		}
		want := a[0].Add(a[1]).Add(a[2]).Add(a[3]).Sub(a[4]).Sub(a[5]).Sub(a[6])
		if !want.Equal(a[7]) {
			t.Errorf("T1 row %d (%s %s): 期初+收入+拨入+收回−拨出−使用−退回 = %s, 期末结余 = %s", r, t1.cell(r, 1), t1.cell(r, 2), want, a[7])
		}
		kind, ok := kinds[t1.cell(r, 2)]
		if !ok {
			t.Errorf("T1 row %d: unknown fund %q", r, t1.cell(r, 2))
		}
		if kind == ledger.FundUpper || kind == ledger.FundMatching {
			upperMatching = upperMatching.Add(a[1])
		}
	}
	for k := range sums {
		if got := t1.money(t, total, t1Opening+k); !got.Equal(sums[k]) {
			t.Errorf("T1 合计 %s = %s, rows add up to %s", t1.cell(3, t1Opening+k), got, sums[k])
		}
	}
	income := t1.money(t, total, t1Income)
	if !income.Equal(upperMatching) {
		t.Errorf("T1 合计 本期收入 %s ≠ upper + matching %s", income, upperMatching)
	}
	if in, out := t1.money(t, total, t1In), t1.money(t, total, t1Out); !in.Equal(out) {
		t.Errorf("T1 合计 本期拨入 %s ≠ 本期拨出 %s", in, out)
	}
	if rec, ret := t1.money(t, total, t1Recovered), t1.money(t, total, t1Returned); !rec.Equal(ret) {
		t.Errorf("T1 合计 本期收回 %s ≠ 本期退回 %s", rec, ret)
	}
	used := t1.money(t, total, t1Used)

	// T4 合计 = T1 本期使用, and T3's 合计 too.
	t4 := readGrid(t, f, SheetT4)
	if got := t4.money(t, t4.rowOf(1, "合计"), 3); !got.Equal(used) {
		t.Errorf("T4 合计 %s ≠ T1 本期使用 %s", got, used)
	}
	t3 := readGrid(t, f, SheetT3)
	if got := t3.money(t, t3.rowOf(1, "合计"), t3Amount); !got.Equal(used) {
		t.Errorf("T3 合计 %s ≠ T1 本期使用 %s", got, used)
	}
	spent := ledger.Zero
	for _, r := range t3.dataRows(3) {
		spent = spent.Add(t3.money(t, r, t3Amount))
	}
	if !spent.Equal(used) {
		t.Errorf("T3 rows add up to %s, T1 本期使用 is %s", spent, used)
	}

	// T5 Σ拨入 = T2 Σ拨付, each read from the rows as well as the 合计.
	t5, t2 := readGrid(t, f, SheetT5), readGrid(t, f, SheetT2)
	t5in := t5.money(t, t5.rowOf(1, "合计"), t5In)
	t2out := t2.money(t, t2.rowOf(1, "合计"), 10)
	if !t5in.Equal(t2out) {
		t.Errorf("T5 拨入合计 %s ≠ T2 拨付合计 %s", t5in, t2out)
	}
	rowsIn, rowsOut := ledger.Zero, ledger.Zero
	for _, r := range t5.dataRows(3) {
		rowsIn = rowsIn.Add(t5.money(t, r, t5In))
	}
	for _, r := range t2.dataRows(3) {
		rowsOut = rowsOut.Add(t2.money(t, r, 10))
	}
	if !rowsIn.Equal(t5in) || !rowsOut.Equal(t2out) {
		t.Errorf("T5 rows 拨入 %s (合计 %s), T2 rows 拨付 %s (合计 %s)", rowsIn, t5in, rowsOut, t2out)
	}

	// 试算平衡表: debits equal credits for the opening, period and closing.
	tb := readGrid(t, f, SheetTrial)
	tr := tb.rowOf(1, "合计")
	for _, c := range [][2]int{{3, 4}, {5, 6}, {7, 8}} {
		d, cr := tb.money(t, tr, c[0]), tb.money(t, tr, c[1])
		if !d.Equal(cr) {
			t.Errorf("试算平衡表 %s: 借方 %s ≠ 贷方 %s", tb.cell(3, c[0]), d, cr)
		}
	}
	checkBooks(t, f)
	vl := readGrid(t, f, SheetVouchers)
	vr := vl.rowOf(1, "合计")
	if d, c := vl.money(t, vr, 10), vl.money(t, vr, 11); !d.Equal(c) {
		t.Errorf("凭证清单 借方 %s ≠ 贷方 %s", d, c)
	}

	// The cover's checks all pass.
	cover := readGrid(t, f, SheetCover)
	n := 0
	for r := range cover.rows {
		if res := cover.cell(r+1, 5); res == "相符" || res == "不符" {
			n++
			if res != "相符" {
				t.Errorf("cover check %q: %s", cover.cell(r+1, 1), res)
			}
		}
	}
	if n < 8 {
		t.Errorf("cover lists %d checks, want at least 8", n)
	}
	checkSums(t, f)
	return income
}

func fundKinds(b *tBook) map[string]ledger.FundKind {
	out := map[string]ledger.FundKind{}
	for _, f := range b.funds {
		out[f.name] = f.kind
	}
	return out
}

func TestInvariantsFixture(t *testing.T) {
	data, sum := writeFixture(t, Options{})
	income := checkInvariants(t, data, fundKinds(fixtureBook()))
	if want := m("320000.00"); !income.Equal(want) {
		t.Errorf("T1 本期收入 = %s, want 90,000.00 + 230,000.00 = %s", income, want)
	}
	for _, c := range sum.Checks {
		if !c.OK {
			t.Errorf("summary check %s: %s ≠ %s", c.Name, c.Left, c.Right)
		}
	}
	T := sum.Totals
	for _, x := range []struct {
		name      string
		got, want ledger.Money
	}{
		{"Income", T.Income, m("320000.00")}, {"Upper", T.Upper, m("90000.00")}, {"Matching", T.Matching, m("230000.00")},
		{"Allocated", T.Allocated, m("320000.00")}, {"BranchIn", T.BranchIn, m("320000.00")},
		{"Used", T.Used, T.ByPurpose}, {"Spent", T.Spent, T.Used}, {"Debit", T.Debit, T.Credit},
	} {
		if !x.got.Equal(x.want) {
			t.Errorf("Totals.%s = %s, want %s", x.name, x.got, x.want)
		}
	}
	if sum.Rows[SheetT3] != 22 || sum.Rows[SheetVouchers] != 66 || sum.Rows[SheetT8] != 2 {
		t.Errorf("row counts T3 %d, 凭证清单 %d, T8 %d; want 22, 66, 2", sum.Rows[SheetT3], sum.Rows[SheetVouchers], sum.Rows[SheetT8])
	}
}

// TestInvariantsRandom writes the workbook of random journals and checks
// the invariants on what was written. The seed is printed; rerun one with
// REPORTS_SEED=n.
func TestInvariantsRandom(t *testing.T) {
	seeds := []uint64{uint64(time.Now().UnixNano()), 1, 2}
	if s := os.Getenv("REPORTS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seeds = []uint64{n}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d (rerun with REPORTS_SEED=%d)", seed, seed)
			b := randomBook(seed)
			var buf bytes.Buffer
			sum, err := WriteAudit(&buf, b.audit(), Options{})
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			checkInvariants(t, buf.Bytes(), fundKinds(b))
			for _, c := range sum.Checks {
				if !c.OK {
					t.Errorf("seed %d: check %s: %s ≠ %s", seed, c.Name, c.Left, c.Right)
				}
			}

			// Again with a small row limit, so that most tables continue
			// on further sheets and totals add up cells of several sheets.
			limit := 12 + int(seed%20)
			var small bytes.Buffer
			sum2, err := WriteAudit(&small, b.audit(), Options{RowLimit: limit})
			if err != nil {
				t.Fatalf("seed %d, row limit %d: %v", seed, limit, err)
			}
			if fmt.Sprint(sum2.Rows) != fmt.Sprint(sum.Rows) || fmt.Sprint(sum2.Totals) != fmt.Sprint(sum.Totals) ||
				fmt.Sprint(sum2.Checks) != fmt.Sprint(sum.Checks) {
				t.Errorf("seed %d, row limit %d: summary differs from the one-sheet-per-table workbook", seed, limit)
			}
			f := openBook(t, small.Bytes())
			if len(f.GetSheetList()) <= len(SheetNames) {
				t.Errorf("seed %d, row limit %d: no continuation sheet", seed, limit)
			}
			for _, s := range f.GetSheetList() {
				if g := readGrid(t, f, s); len(g.rows) > limit {
					t.Errorf("%s has %d rows, limit %d", s, len(g.rows), limit)
				}
			}
			checkSums(t, f)
		})
	}
}

// randomBook is a random journal: receipts in February, then random
// allocations, spends, returns and red reversals over February and March,
// never overdrawing a balance; the period is March, so every table has
// opening balances.
func randomBook(seed uint64) *tBook {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := newBook()
	b.from, b.to = day(2020, 3, 1), day(2020, 3, 31)
	for i := 0; i < r.IntN(4); i++ {
		parent := b.orgs[1+r.IntN(len(b.orgs)-1)].code
		b.orgs = append(b.orgs, tOrg{code: fmt.Sprintf("FY-G%d", i), name: fmt.Sprintf("随机党小组%d", i), parent: parent,
			kind: ledger.OrgPartyGroup, category: "党小组", secretary: "组长", host: "依托单位"})
	}
	funds := []string{fundUpper, fundMatching}
	bank := map[string]int64{}
	pending := map[[2]string]int64{}
	fen := func(n int64) ledger.Money { return ledger.FromFen(n) }
	receipt := func(d time.Time, fund string, n int64) {
		b.receive(d, fund, fen(n))
		bank[fund] += n
	}
	receipt(day(2020, 2, 3), fundUpper, 1_000_000+r.Int64N(9_000_000))
	receipt(day(2020, 2, 4), fundMatching, 2_000_000+r.Int64N(23_000_000))
	nOps := 40 + r.IntN(80)
	var days []time.Time
	for i := 0; i < nOps; i++ {
		days = append(days, day(2020, 2, 5).AddDate(0, 0, r.IntN(56)))
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	branches := b.orgs[1:]
	var spends, allocs []*tVoucher
	reversed := map[*tVoucher]bool{}
	for i, d := range days {
		org := branches[r.IntN(len(branches))].code
		fund := funds[r.IntN(2)]
		key := [2]string{org, fund}
		switch op := r.IntN(10); {
		case op < 3 && bank[fund] > 0:
			n := 1 + r.Int64N(bank[fund])
			if r.IntN(3) > 0 {
				n = min(n, 1+r.Int64N(5_000_000))
			}
			v := b.allocate(d, org, fund, fen(n))
			bank[fund] -= n
			pending[key] += n
			allocs = append(allocs, v)
		case op < 8 && pending[key] > 0:
			n := 1 + r.Int64N(min(pending[key], 2_000_000))
			p := ledger.Purposes[r.IntN(3)]
			v := tVoucher{item: "物品", qty: decimal.NewFromInt(1 + r.Int64N(100)), unitPrice: fen(1 + r.Int64N(10000)),
				payee: "供应商" + strconv.Itoa(r.IntN(5)), payeeType: ledger.PayeeSupplier, attachments: r.IntN(3),
				docTypes: []string{"发票"}, decision: "支部委员会会议纪要"}
			if r.IntN(4) == 0 {
				v.method = ledger.MethodCash
			}
			if p != ledger.Procurement {
				k := 1 + r.IntN(4)
				for j, a := range fen(n).Split(k) {
					v.beneficiaries = append(v.beneficiaries, ledger.Beneficiary{Name: fmt.Sprintf("对象%d-%d", i, j), Category: "群众",
						IDNumber: fmt.Sprintf("1423821990%08d", r.IntN(50)), Reason: "慰问救助", Amount: a})
				}
			}
			spends = append(spends, b.spend(d, org, fund, p, fen(n), v))
			pending[key] -= n
		case op == 8 && pending[key] > 0:
			n := 1 + r.Int64N(pending[key])
			b.giveBack(d, org, fund, fen(n))
			pending[key] -= n
			bank[fund] += n
		case op == 9 && len(spends) > 0:
			v := spends[r.IntN(len(spends))]
			if reversed[v] {
				continue
			}
			reversed[v] = true
			l := v.lines[0]
			b.reverse(d, v)
			pending[[2]string{l.org, l.fund}] += l.debit.Fen()
		case op == 9 && len(allocs) > 0:
			v := allocs[r.IntN(len(allocs))]
			l := v.lines[0]
			k := [2]string{l.org, l.fund}
			if reversed[v] || pending[k] < l.debit.Fen() {
				continue
			}
			reversed[v] = true
			b.reverse(d, v)
			pending[k] -= l.debit.Fen()
			bank[l.fund] += l.debit.Fen()
		}
	}
	if r.IntN(2) == 0 {
		receipt(day(2020, 3, 30), fundUpper, 1+r.Int64N(1_000_000))
	}
	for _, v := range b.vouchers {
		if b.inPeriod(v) && v.flow == "spend" && v.attachments == 0 && v.reversalOf == nil {
			b.findings = append(b.findings, report.T8Row{Rule: "A-08", Type: "无票据支付", Severity: "MEDIUM", VoucherID: v.id,
				Voucher: v.word(), Date: v.date, OrgName: b.org(v.lines[0].org).name, Amount: v.lines[0].debit, Status: "open"})
		}
	}
	book := fen(bank[fundUpper] + bank[fundMatching])
	interest := fen(r.Int64N(10000))
	b.t9 = &report.T9Table{BankName: "中国建设银行汾阳支行", Account: "14050161620800000123", AsOf: b.to, BookBalance: book,
		BankBalance: book.Add(interest), BankReceived: []report.T9Item{{Date: b.to, Ref: "结息", Summary: "利息", Amount: interest}}}
	return b
}

// TestContinuationSheets: with a row limit of 50, 120 voucher lines run
// over 凭证清单, 凭证清单 (2) and 凭证清单 (3), every line present, the
// continuation sheets right after their first sheet, the 合计 adding up all
// parts and the links of T3 landing on their voucher.
func TestContinuationSheets(t *testing.T) {
	b := newBook()
	b.receive(day(2020, 2, 3), fundUpper, m("90000.00"))
	b.allocate(day(2020, 2, 4), "FY-ZH", fundUpper, m("90000.00"))
	for i := 0; i < 58; i++ {
		b.spend(day(2020, 2, 5+i/3), "FY-ZH", fundUpper, ledger.Procurement, ledger.FromFen(int64(10000+i)),
			tVoucher{item: fmt.Sprint("物品", i), payee: "供应商", payeeType: ledger.PayeeSupplier, attachments: 1})
	}
	d := b.audit()
	var buf bytes.Buffer
	sum, err := WriteAudit(&buf, d, Options{RowLimit: 50})
	if err != nil {
		t.Fatal(err)
	}
	f := openBook(t, buf.Bytes())
	sheets := f.GetSheetList()
	i := slices.Index(sheets, SheetVouchers)
	if i < 0 || !slices.Equal(sheets[i:], []string{SheetVouchers, "凭证清单 (2)", "凭证清单 (3)"}) {
		t.Fatalf("sheets = %q, want 凭证清单, 凭证清单 (2), 凭证清单 (3) at the end", sheets)
	}
	if j := slices.Index(sheets, SheetT3); j < 0 || sheets[j+1] != "T3 使用明细 (2)" || sheets[j+2] != SheetT4 {
		t.Errorf("sheets = %q: T3 使用明细 (2) must follow T3 使用明细", sheets)
	}
	var base []string
	for _, s := range sheets {
		b, _, _ := strings.Cut(s, " (")
		if !slices.Contains(base, b) {
			base = append(base, b)
		}
	}
	if !slices.Equal(base, SheetNames) {
		t.Errorf("first sheets %q, want %q", base, SheetNames)
	}
	// Every line is there once, in order: 分录号 1, 2 of vouchers 记-0001 ….
	var lines []string
	debit := ledger.Zero
	for _, s := range sheets[i:] {
		g := readGrid(t, f, s)
		if len(g.rows) > 50 {
			t.Errorf("%s has %d rows, limit 50", s, len(g.rows))
		}
		for r := 4; r <= len(g.rows); r++ {
			if g.cell(r, 2) != "" {
				lines = append(lines, g.cell(r, 2)+"/"+g.cell(r, 3))
				debit = debit.Add(g.money(t, r, 10))
			}
		}
	}
	if len(lines) != 120 || sum.Rows[SheetVouchers] != 120 {
		t.Fatalf("凭证清单 parts hold %d lines (summary %d), want 120", len(lines), sum.Rows[SheetVouchers])
	}
	for k, l := range lines {
		if want := fmt.Sprintf("记-%04d/%d", k/2+1, k%2+1); l != want {
			t.Fatalf("line %d = %s, want %s", k, l, want)
		}
	}
	last := readGrid(t, f, "凭证清单 (3)")
	tr := last.rowOf(1, "合计")
	formula, _ := f.GetCellFormula("凭证清单 (3)", cellName(10, tr))
	if !strings.Contains(formula, "'凭证清单'!") || !strings.Contains(formula, "'凭证清单 (2)'!") {
		t.Errorf("凭证清单 合计 formula %q does not cover every part", formula)
	}
	if got := last.money(t, tr, 10); !got.Equal(debit) || !got.Equal(sum.Totals.Debit) {
		t.Errorf("凭证清单 合计 = %s, lines add up to %s", got, debit)
	}
	// T3 links land on the first line of their voucher, across parts.
	checked := 0
	for _, s := range []string{SheetT3, "T3 使用明细 (2)"} {
		g := readGrid(t, f, s)
		for r := 4; r <= len(g.rows); r++ {
			word := g.cell(r, 4)
			if word == "" {
				continue
			}
			formula, _ := f.GetCellFormula(s, cellName(4, r))
			sheet, cell, ok := linkTarget(formula)
			if !ok {
				t.Fatalf("%s D%d: %q is not a link", s, r, formula)
			}
			v, _ := f.GetCellValue(sheet, cell)
			c, row, _ := excelize.CellNameToCoordinates(cell)
			n, _ := f.GetCellValue(sheet, cellName(c+1, row))
			if v != word || n != "1" {
				t.Errorf("%s D%d links to %s!%s = %s line %s, want %s line 1", s, r, sheet, cell, v, n, word)
			}
			checked++
		}
	}
	if checked != 58 {
		t.Errorf("checked %d links, want 58", checked)
	}
	checkSums(t, f)
}

// linkTarget parses HYPERLINK("#'sheet'!B7","…").
func linkTarget(formula string) (sheet, cell string, ok bool) {
	rest, ok := strings.CutPrefix(formula, `HYPERLINK("#'`)
	if !ok {
		return "", "", false
	}
	sheet, rest, ok = strings.Cut(rest, `'!`)
	if !ok {
		return "", "", false
	}
	cell, _, ok = strings.Cut(rest, `"`)
	return strings.ReplaceAll(sheet, "''", "'"), cell, ok
}

// checkSums recomputes every SUM formula of the workbook from the stored
// values of the cells it covers and compares with its stored value.
func checkSums(t *testing.T, f *excelize.File) {
	t.Helper()
	n := 0
	for _, s := range f.GetSheetList() {
		for _, c := range sheetCells(t, f, s) {
			if !strings.HasPrefix(c.formula, "SUM(") {
				continue
			}
			want, err := evalSum(f, s, c.formula)
			if err != nil {
				t.Fatalf("%s!%s %s: %v", s, c.name, c.formula, err)
			}
			got, _ := strconv.ParseFloat(c.value, 64)
			if d := got - want; d > 0.001 || d < -0.001 {
				t.Errorf("%s!%s =%s stores %v, the cells add up to %v", s, c.name, c.formula, got, want)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no SUM formula found")
	}
}

// evalSum adds up the stored values referenced by a SUM formula written by
// this package (ranges and cells, optionally on another sheet, nested SUMs,
// and SUMIF(criteria range,"text",sum range)).
func evalSum(f *excelize.File, sheet, formula string) (float64, error) {
	body := strings.TrimSuffix(strings.TrimPrefix(formula, "SUM("), ")")
	var total float64
	for _, arg := range splitArgs(body) {
		if strings.HasPrefix(arg, "SUM(") {
			v, err := evalSum(f, sheet, arg)
			if err != nil {
				return 0, err
			}
			total += v
			continue
		}
		if strings.HasPrefix(arg, "SUMIF(") {
			parts := splitArgs(strings.TrimSuffix(strings.TrimPrefix(arg, "SUMIF("), ")"))
			if len(parts) != 3 {
				return 0, fmt.Errorf("SUMIF with %d arguments", len(parts))
			}
			crit, err := rangeValues(f, sheet, parts[0])
			if err != nil {
				return 0, err
			}
			vals, err := rangeValues(f, sheet, parts[2])
			if err != nil {
				return 0, err
			}
			want := strings.Trim(parts[1], `"`)
			for i, v := range vals {
				if i < len(crit) && crit[i] == want {
					if x, err := strconv.ParseFloat(v, 64); err == nil {
						total += x
					}
				}
			}
			continue
		}
		vals, err := rangeValues(f, sheet, arg)
		if err != nil {
			return 0, err
		}
		for _, v := range vals {
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				total += x
			}
		}
	}
	return total, nil
}

// rangeValues is the stored values of a range or cell reference, optionally
// on another sheet, column by column.
func rangeValues(f *excelize.File, sheet, arg string) ([]string, error) {
	sh := sheet
	if i := strings.LastIndex(arg, "!"); i >= 0 {
		sh = strings.ReplaceAll(strings.Trim(arg[:i], "'"), "''", "'")
		arg = arg[i+1:]
	}
	from, to, _ := strings.Cut(arg, ":")
	if to == "" {
		to = from
	}
	c1, r1, err := excelize.CellNameToCoordinates(from)
	if err != nil {
		return nil, err
	}
	c2, r2, err := excelize.CellNameToCoordinates(to)
	if err != nil {
		return nil, err
	}
	var out []string
	for c := c1; c <= c2; c++ {
		for r := r1; r <= r2; r++ {
			v, err := f.GetCellValue(sh, cellName(c, r), excelize.Options{RawCellValue: true})
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// splitArgs splits SUM arguments at top-level commas.
func splitArgs(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i, c := range s {
		switch {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// TestFormulaInjection: payees, summaries and names that look like
// formulas are written as text.
func TestFormulaInjection(t *testing.T) {
	hostile := []string{`=HYPERLINK("http://x","y")`, "+1+1", "-2-3", "@SUM(A1:A9)", "=1+2"}
	b := newBook()
	b.orgs[1].name = hostile[2]
	b.receive(day(2020, 2, 3), fundUpper, m("1000.00"))
	b.allocate(day(2020, 2, 4), "FY-ZH", fundUpper, m("1000.00"))
	b.spend(day(2020, 2, 5), "FY-ZH", fundUpper, ledger.Relief, m("100.00"), tVoucher{summary: hostile[1], item: hostile[3],
		payee: hostile[0], payeeType: ledger.PayeeIndividual, attachments: 1,
		beneficiaries: []ledger.Beneficiary{{Name: hostile[4], IDNumber: "=cmd|'/c calc'!A0", Reason: hostile[0], Amount: m("100.00")}}})
	d := b.audit()
	d.Params["note"] = hostile[0]
	d.Preparer = hostile[4]
	var buf bytes.Buffer
	if _, err := WriteAudit(&buf, d, Options{}); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, buf.Bytes())
	found := map[string]int{}
	for _, s := range f.GetSheetList() {
		for _, c := range sheetCells(t, f, s) {
			for _, h := range hostile {
				if strings.Contains(c.value, h[1:]) && (c.value == h || strings.Contains(c.value, h)) {
					found[h]++
					if c.typ != "inline" || c.formula != "" {
						t.Errorf("%s!%s %q stored as %s with formula %q, want a plain string", s, c.name, c.value, c.typ, c.formula)
					}
				}
			}
		}
	}
	for _, h := range hostile {
		if found[h] == 0 {
			t.Errorf("%q not found in the workbook", h)
		}
	}
	if found[hostile[0]] < 3 {
		t.Errorf("payee found %d times, want it in T3, the cover and T6", found[hostile[0]])
	}
}

// TestRejectsInconsistentRows: a T1 row that does not satisfy the SPEC §3
// formula, or a T5 tree with a cycle, is an error, not a wrong workbook.
func TestRejectsInconsistentRows(t *testing.T) {
	d := fixtureBook().audit()
	d.T1[0].Closing = d.T1[0].Closing.Add(ledger.FromFen(1))
	if _, err := WriteAudit(&bytes.Buffer{}, d, Options{}); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Errorf("off-by-one-fen T1 row: err = %v, want code invalid", err)
	}
	d = fixtureBook().audit()
	d.T5[0].Parent = d.T5[1].Org
	if _, err := WriteAudit(&bytes.Buffer{}, d, Options{}); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Errorf("cyclic T5 tree: err = %v, want code invalid", err)
	}
	if _, err := WriteAudit(&bytes.Buffer{}, fixtureBook().audit(), Options{RowLimit: 5}); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Errorf("row limit 5: err = %v, want code invalid", err)
	}
}

// TestIteratorError: an error from a streaming source stops the writer.
func TestIteratorError(t *testing.T) {
	d := fixtureBook().audit()
	boom := fmt.Errorf("cursor lost")
	d.T3 = func(yield func(report.T3Row, error) bool) {
		if yield(report.T3Row{OrgName: "x", Amount: m("1.00")}, nil) {
			yield(report.T3Row{}, boom)
		}
	}
	_, err := WriteAudit(&bytes.Buffer{}, d, Options{})
	if err == nil || !strings.Contains(err.Error(), "cursor lost") {
		t.Errorf("err = %v, want the iterator's error", err)
	}
}

// TestEmptyWorkbook: no data at all still gives every sheet, headers only,
// T9 included.
func TestEmptyWorkbook(t *testing.T) {
	var buf bytes.Buffer
	sum, err := WriteAudit(&buf, &report.AuditData{BookName: "空账套", Period: "2020-02"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := openBook(t, buf.Bytes())
	if !slices.Equal(f.GetSheetList(), SheetNames) {
		t.Errorf("sheets = %q", f.GetSheetList())
	}
	g := readGrid(t, f, SheetT9)
	if len(g.rows) != 3 || g.cell(3, 1) != "项目" {
		t.Errorf("empty T9 has %d rows, want title, period and header only", len(g.rows))
	}
	for name, n := range sum.Rows {
		if n != 0 && name != SheetT4 {
			t.Errorf("%s has %d rows", name, n)
		}
	}
}
