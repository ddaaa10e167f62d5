package report

import (
	"fmt"
	"slices"

	"github.com/fenyang/partyfee/ledger"
)

// The shape of the tables T1, T4, T5 and T7 — their order, groups,
// subtotals and totals — is computed here once, for every renderer: the
// audit workbook (reports) and the auditors' pages (ledger/web) show the
// same rows with the same totals because they take them from these
// functions.

// T1Amounts are the amounts of a T1 row in column order: 期初结余, 本期收入,
// 本期拨入, 本期收回, 本期拨出, 本期使用, 本期退回, 期末结余.
type T1Amounts [8]ledger.Money

// Amounts returns r's amounts in column order.
func (r *T1Row) Amounts() T1Amounts {
	return T1Amounts{r.Opening, r.Income, r.AllocatedIn, r.Recovered, r.AllocatedOut, r.Used, r.Returned, r.Closing}
}

func (a T1Amounts) add(b T1Amounts) T1Amounts {
	for i := range a {
		a[i] = a[i].Add(b[i])
	}
	return a
}

func zeroT1() T1Amounts {
	var a T1Amounts
	for i := range a {
		a[i] = ledger.Zero
	}
	return a
}

// T1Group is one fund's block of T1: its rows (indexes into the T1 rows)
// and their 小计.
type T1Group struct {
	Fund, FundName string
	FundKind       ledger.FundKind
	Rows           []int
	Sub            T1Amounts
}

// T1Table is T1 as printed: the fund blocks and the book's 合计.
type T1Table struct {
	Groups []T1Group
	Total  T1Amounts
	// Upper and Matching are the 本期收入 of the upper-level and matching
	// funds (the 合计 本期收入 is their sum).
	Upper, Matching ledger.Money
}

// fundKindRank orders the fund groups of T1.
func fundKindRank(k ledger.FundKind) int {
	switch k {
	case ledger.FundUpper:
		return 0
	case ledger.FundMatching:
		return 1
	case ledger.FundGeneral:
		return 2
	case ledger.FundDonation:
		return 3
	}
	return 4
}

// BuildT1 checks every row against the SPEC §3 formula and groups the rows
// by fund, upper-level funds first, then matching, each group in the
// order of its rows, with a 小计 per fund and the 合计.
func BuildT1(rows []T1Row) (T1Table, error) {
	for i := range rows {
		r := &rows[i]
		want := r.Opening.Add(r.Income).Add(r.AllocatedIn).Add(r.Recovered).Sub(r.AllocatedOut).Sub(r.Used).Sub(r.Returned)
		if !want.Equal(r.Closing) {
			return T1Table{}, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("T1[%d]", i),
				"%s %s: 期初+收入+拨入+收回−拨出−使用−退回 = %s, 期末结余 is %s", r.OrgName, r.FundName, want, r.Closing)
		}
	}
	var funds []string
	byFund := map[string][]int{}
	for i, r := range rows {
		if _, ok := byFund[r.Fund]; !ok {
			funds = append(funds, r.Fund)
		}
		byFund[r.Fund] = append(byFund[r.Fund], i)
	}
	slices.SortStableFunc(funds, func(a, b string) int {
		return fundKindRank(rows[byFund[a][0]].FundKind) - fundKindRank(rows[byFund[b][0]].FundKind)
	})
	t := T1Table{Total: zeroT1(), Upper: ledger.Zero, Matching: ledger.Zero}
	for _, fund := range funds {
		first := &rows[byFund[fund][0]]
		g := T1Group{Fund: fund, FundName: first.FundName, FundKind: first.FundKind, Rows: byFund[fund], Sub: zeroT1()}
		for _, i := range g.Rows {
			g.Sub = g.Sub.add(rows[i].Amounts())
		}
		t.Total = t.Total.add(g.Sub)
		switch g.FundKind {
		case ledger.FundUpper:
			t.Upper = t.Upper.Add(g.Sub[1])
		case ledger.FundMatching:
			t.Matching = t.Matching.Add(g.Sub[1])
		}
		t.Groups = append(t.Groups, g)
	}
	return t, nil
}

// BuildT4 is T4 as printed: one row per purpose in report order (a purpose
// without spending shows as zero), then any other purpose met, and the 合计.
func BuildT4(in []T4Row) (rows []T4Row, total T4Row) {
	rows = make([]T4Row, 0, len(ledger.Purposes))
	for _, p := range ledger.Purposes {
		rows = append(rows, T4Row{Purpose: p, Amount: ledger.Zero, Cash: ledger.Zero})
	}
	for _, x := range in {
		i := slices.IndexFunc(rows, func(r T4Row) bool { return r.Purpose == x.Purpose })
		if i < 0 {
			rows = append(rows, T4Row{Purpose: x.Purpose, Amount: ledger.Zero, Cash: ledger.Zero})
			i = len(rows) - 1
		}
		r := &rows[i]
		r.Count += x.Count
		r.Amount = r.Amount.Add(x.Amount)
		r.Cash = r.Cash.Add(x.Cash)
		r.NoReceipt += x.NoReceipt
		r.Persons += x.Persons
	}
	total.Amount, total.Cash = ledger.Zero, ledger.Zero
	for _, r := range rows {
		total.Count += r.Count
		total.Amount = total.Amount.Add(r.Amount)
		total.Cash = total.Cash.Add(r.Cash)
		total.NoReceipt += r.NoReceipt
		total.Persons += r.Persons
	}
	return rows, total
}

// T5Amounts are the amounts of a T5 row: 期初结余, 拨入金额, 已使用, 退回, 结余.
type T5Amounts [5]ledger.Money

func (a T5Amounts) add(b T5Amounts) T5Amounts {
	for i := range a {
		a[i] = a[i].Add(b[i])
	}
	return a
}

// T5Entry is a printed row of T5: an organisation's own row, or the 小计
// of its subtree after the subtree.
type T5Entry struct {
	Row      int // index into the T5 rows
	Level    int // 0 for a root
	Subtotal bool
	// Sums are the organisation's own amounts, or its subtree's for a 小计.
	Sums T5Amounts
	// Parts of a 小计 are the entries it adds up: the organisation's own
	// row, then each child's own row or 小计.
	Parts []int
}

// T5Table is T5 as printed: the organisations depth first, each with
// children followed by a 小计; the 合计 adds up the roots (Roots: their
// own rows or 小计s).
type T5Table struct {
	Entries []T5Entry
	Roots   []int
	Total   T5Amounts
}

// BuildT5 checks the rows (one per organisation, 期初 + 拨入 − 已使用 − 退回
// = 结余, a tree no deeper than ledger.OrgDepthMax) and orders them as
// printed. A row whose Parent is "" or not in the table is a root.
func BuildT5(rows []T5Row) (T5Table, error) {
	idx := map[string]int{}
	for i, r := range rows {
		if _, dup := idx[r.Org]; dup {
			return T5Table{}, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("T5[%d]", i), "organisation %s is listed twice", r.Org)
		}
		idx[r.Org] = i
		if !r.Opening.Add(r.In).Sub(r.Used).Sub(r.Returned).Equal(r.Closing) {
			return T5Table{}, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("T5[%d]", i), "%s: 期初+拨入−已使用−退回 ≠ 结余 %s", r.Name, r.Closing)
		}
	}
	children := map[string][]int{}
	var roots []int
	for i, r := range rows {
		if _, ok := idx[r.Parent]; ok && r.Parent != "" && r.Parent != r.Org {
			children[r.Parent] = append(children[r.Parent], i)
		} else {
			roots = append(roots, i)
		}
	}
	var t T5Table
	seen := 0
	// emit appends the subtree of row i and returns the entry that stands
	// for it (its own row, or its 小计) with the subtree's sums.
	var emit func(i, level int) (int, T5Amounts, error)
	emit = func(i, level int) (int, T5Amounts, error) {
		seen++
		r := &rows[i]
		vals := T5Amounts{r.Opening, r.In, r.Used, r.Returned, r.Closing}
		own := len(t.Entries)
		t.Entries = append(t.Entries, T5Entry{Row: i, Level: level, Sums: vals})
		kids := children[r.Org]
		if len(kids) == 0 {
			return own, vals, nil
		}
		if level >= ledger.OrgDepthMax {
			return 0, T5Amounts{}, ledger.Errorf(ledger.EInvalid, "T5", "organisation tree deeper than %d at %s", ledger.OrgDepthMax, r.Org)
		}
		parts := []int{own}
		for _, c := range kids {
			e, cv, err := emit(c, level+1)
			if err != nil {
				return 0, T5Amounts{}, err
			}
			parts = append(parts, e)
			vals = vals.add(cv)
		}
		t.Entries = append(t.Entries, T5Entry{Row: i, Level: level, Subtotal: true, Sums: vals, Parts: parts})
		return len(t.Entries) - 1, vals, nil
	}
	for k := range t.Total {
		t.Total[k] = ledger.Zero
	}
	for _, i := range roots {
		e, v, err := emit(i, 0)
		if err != nil {
			return T5Table{}, err
		}
		t.Roots = append(t.Roots, e)
		t.Total = t.Total.add(v)
	}
	if seen != len(rows) {
		return T5Table{}, ledger.Errorf(ledger.EInvalid, "T5", "the organisation tree has a cycle (%d of %d organisations reachable from a root)", seen, len(rows))
	}
	return t, nil
}

// T7Group is one organisation's rows of T7 with their 小计.
type T7Group struct {
	Org, OrgName   string
	Rows           []int // indexes into the T7 rows
	Count, Persons int
	Amount         ledger.Money
}

// BuildT7 groups the T7 rows by organisation in order of first appearance,
// each group with its 小计, and returns the 合计 as a group of every row.
func BuildT7(rows []T7Row) (groups []T7Group, total T7Group) {
	byOrg := map[string]int{}
	total.Amount = ledger.Zero
	for i, r := range rows {
		g, ok := byOrg[r.Org]
		if !ok {
			g = len(groups)
			byOrg[r.Org] = g
			groups = append(groups, T7Group{Org: r.Org, OrgName: r.OrgName, Amount: ledger.Zero})
		}
		x := &groups[g]
		x.Rows = append(x.Rows, i)
		x.Count += r.Count
		x.Persons += r.Persons
		x.Amount = x.Amount.Add(r.Amount)
	}
	for _, g := range groups {
		total.Rows = append(total.Rows, g.Rows...)
		total.Count += g.Count
		total.Persons += g.Persons
		total.Amount = total.Amount.Add(g.Amount)
	}
	return groups, total
}

// T9Section is a section of outstanding items of one side of T9 with its
// 小计.
type T9Section struct {
	Label string
	Items []T9Item
	Sum   ledger.Money
}

// T9Side is one side of the 银行存款余额调节表: a balance, the items to add
// and to subtract, and the adjusted balance Base + Plus.Sum − Minus.Sum.
type T9Side struct {
	BaseLabel   string
	Base        ledger.Money
	Plus, Minus T9Section
	Adjusted    ledger.Money
}

// Sides returns the book's side (银行存款日记账余额) and the bank's
// (银行对账单余额) of x; the two adjusted balances are equal when the
// reconciliation holds.
func (x *T9Table) Sides() [2]T9Side {
	section := func(label string, items []T9Item) T9Section {
		s := T9Section{Label: label, Items: items, Sum: ledger.Zero}
		for _, it := range items {
			s.Sum = s.Sum.Add(it.Amount)
		}
		return s
	}
	side := func(label string, base ledger.Money, plus, minus T9Section) T9Side {
		return T9Side{BaseLabel: label, Base: base, Plus: plus, Minus: minus, Adjusted: base.Add(plus.Sum).Sub(minus.Sum)}
	}
	return [2]T9Side{
		side("银行存款日记账余额", x.BookBalance, section("加：银行已收、单位未收", x.BankReceived), section("减：银行已付、单位未付", x.BankPaid)),
		side("银行对账单余额", x.BankBalance, section("加：单位已收、银行未收", x.BookReceived), section("减：单位已付、银行未付", x.BookPaid)),
	}
}
