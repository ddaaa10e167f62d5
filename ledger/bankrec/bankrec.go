// Package bankrec matches a bank statement against the book's bank postings
// and draws up the 银行存款余额调节表 (bank reconciliation statement, domain
// §3.6, SPEC §7).
//
// Matching pairs each statement line with the book entry that records the
// same movement of money. What is left on one side only is an outstanding
// item (未达账项) of one of four kinds:
//
//	银行已收企业未收  a statement line of money in with no book entry
//	银行已付企业未付  a statement line of money out with no book entry
//	企业已收银行未收  a book debit to the bank with no statement line
//	企业已付银行未付  a book credit to the bank with no statement line
//
// The table adjusts each balance by the items the other side has not
// recorded yet; the two adjusted balances must agree. Outstanding items are
// normal timing differences when dated within a window of the period end,
// and discrepancies when older.
//
// The package is pure: no I/O, no clock; the period end is an argument.
package bankrec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// StatementLine is one line of a bank statement (银行对账单).
type StatementLine struct {
	Date time.Time
	// Amount is signed from the account holder's side: positive for money
	// in (收入, 贷方发生额), negative for money out (支出, 借方发生额).
	Amount       ledger.Money
	Reference    string // 凭证号/交易流水号
	Counterparty string // 对方户名
	Summary      string // 摘要
	// Balance is the account balance after the line, if the statement has one.
	Balance *ledger.Money
	// Row is the line's row in the statement file (1-based), for messages.
	Row int
}

// BookEntry is one posting to the bank account in the book.
type BookEntry struct {
	VoucherID int64
	Voucher   string // 凭证字号, e.g. 记-0012
	Date      time.Time
	// Amount is signed: a debit to the bank (money in) is positive, a
	// credit (money out) negative.
	Amount    ledger.Money
	Reference string // a bank reference recorded with the voucher, if any
	Summary   string
}

// Outstanding names the four kinds of outstanding items (未达账项).
type Outstanding string

const (
	BankReceivedNotBooked   Outstanding = "bank_received_not_booked"    // 银行已收企业未收
	BankPaidNotBooked       Outstanding = "bank_paid_not_booked"        // 银行已付企业未付
	BookedReceivedNotInBank Outstanding = "booked_received_not_in_bank" // 企业已收银行未收
	BookedPaidNotInBank     Outstanding = "booked_paid_not_in_bank"     // 企业已付银行未付
)

// Name is the Chinese heading used in the table.
func (o Outstanding) Name() string {
	switch o {
	case BankReceivedNotBooked:
		return "银行已收企业未收"
	case BankPaidNotBooked:
		return "银行已付企业未付"
	case BookedReceivedNotInBank:
		return "企业已收银行未收"
	case BookedPaidNotInBank:
		return "企业已付银行未付"
	}
	return string(o)
}

// MatchConfig bounds the matching.
type MatchConfig struct {
	// DateWindowDays is the largest difference in calendar days between a
	// statement line and a book entry that may match (0: same day only).
	DateWindowDays int
	// GroupSizeMax is the largest number of items that may together match
	// one item on the other side (one statement line paid out as several
	// vouchers, or the reverse). 0 means the default 4; 1 turns group
	// matching off.
	GroupSizeMax int
	// CombinationsMax bounds the subsets tried for one item when looking for
	// a group, so a month of many equal amounts cannot run away. 0 means
	// the default 20,000.
	CombinationsMax int
}

// Default bounds of MatchConfig.
const (
	DateWindowDaysDefault  = 10
	GroupSizeMaxDefault    = 4
	CombinationsMaxDefault = 20000
	// groupSizeLimit caps GroupSizeMax whatever the configuration says.
	groupSizeLimit = 8
	// augmentEdgesMax bounds the edges of one amount's candidate graph
	// searched for a larger one-to-one matching (see matchOneToOne).
	augmentEdgesMax = 1 << 20
)

// DefaultMatchConfig is the configuration used when none is given: a
// 10-day window (SPEC §7), groups of up to 4 items.
func DefaultMatchConfig() MatchConfig {
	return MatchConfig{DateWindowDays: DateWindowDaysDefault, GroupSizeMax: GroupSizeMaxDefault, CombinationsMax: CombinationsMaxDefault}
}

// MatchKind says how the two sides of a Group correspond.
type MatchKind string

const (
	OneToOne MatchKind = "one_to_one" // one book entry, one statement line
	// BookGroup: several book entries add up to one statement line (the
	// bank booked a batch as one movement).
	BookGroup MatchKind = "book_group"
	// StatementGroup: several statement lines add up to one book entry (one
	// voucher the bank carried out as several movements).
	StatementGroup MatchKind = "statement_group"
)

// Group is a set of book entries and statement lines recording the same
// money: one of each, or one on one side and several on the other.
type Group struct {
	Kind      MatchKind
	Book      []BookEntry
	Statement []StatementLine
	// ByReference: a one-to-one match whose references are equal.
	ByReference bool
}

// Amount is the signed amount the match accounts for.
func (m *Group) Amount() ledger.Money {
	t := ledger.Zero
	for i := range m.Book {
		t = t.Add(m.Book[i].Amount)
	}
	return t
}

// Result is the outcome of Match: what matched and the four kinds of
// outstanding items, each list in date order.
type Result struct {
	Matches []Group
	// BankReceivedNotBooked: statement lines of money in with no book entry (银行已收企业未收).
	BankReceivedNotBooked []StatementLine
	// BankPaidNotBooked: statement lines of money out with no book entry (银行已付企业未付).
	BankPaidNotBooked []StatementLine
	// BookedReceivedNotInBank: book debits to the bank not on the statement (企业已收银行未收).
	BookedReceivedNotInBank []BookEntry
	// BookedPaidNotInBank: book credits to the bank not on the statement (企业已付银行未付).
	BookedPaidNotInBank []BookEntry
}

// Matched reports whether nothing is outstanding.
func (r *Result) Matched() bool {
	return len(r.BankReceivedNotBooked) == 0 && len(r.BankPaidNotBooked) == 0 &&
		len(r.BookedReceivedNotInBank) == 0 && len(r.BookedPaidNotInBank) == 0
}

// item is a book entry or statement line reduced to what matching needs.
type item struct {
	idx  int   // index in the caller's slice
	rank int   // position in the deterministic order of its side
	day  int64 // calendar day number
	fen  int64 // signed amount in fen
	ref  string
}

// Match pairs book entries with statement lines. It is deterministic: the
// same input in any order gives the same result.
//
//  1. One to one: a book entry and a statement line of the same amount
//     dated at most cfg.DateWindowDays apart. Pairs whose references are
//     equal (and not empty) are taken first, then the nearest dates; ties go
//     to the earlier statement line (date, row), then the earlier book entry
//     (date, voucher). Among equal amounts the pairing is then extended to
//     the largest possible number of pairs, so one greedy choice cannot
//     leave two items outstanding that could both have matched.
//  2. One statement line to several book entries: for each statement line
//     still outstanding (in statement order), the smallest set of at most
//     cfg.GroupSizeMax outstanding book entries of the same sign, each within
//     the window of the line, whose amounts add up exactly to the line's;
//     among sets of that size the one of nearest dates in order.
//  3. One book entry to several statement lines, the same way round.
//
// Group searches are bounded by cfg.CombinationsMax subsets per item; an
// item whose search hits the bound stays outstanding.
func Match(book []BookEntry, stmt []StatementLine, cfg MatchConfig) Result {
	cfg = cfg.withDefaults()
	bs := bookItems(book)
	ss := statementItems(stmt)
	usedB := make([]bool, len(bs)) // by rank
	usedS := make([]bool, len(ss))
	var groups []rankGroup

	for _, g := range matchOneToOne(bs, ss, cfg.DateWindowDays) {
		usedB[g.book[0]] = true
		usedS[g.stmt[0]] = true
		groups = append(groups, g)
	}
	if cfg.GroupSizeMax >= 2 {
		for _, s := range ss {
			if usedS[s.rank] {
				continue
			}
			if pick := findGroup(s, bs, usedB, cfg); pick != nil {
				usedS[s.rank] = true
				for _, r := range pick {
					usedB[r] = true
				}
				groups = append(groups, rankGroup{kind: BookGroup, book: pick, stmt: []int{s.rank}})
			}
		}
		for _, b := range bs {
			if usedB[b.rank] {
				continue
			}
			if pick := findGroup(b, ss, usedS, cfg); pick != nil {
				usedB[b.rank] = true
				for _, r := range pick {
					usedS[r] = true
				}
				groups = append(groups, rankGroup{kind: StatementGroup, book: []int{b.rank}, stmt: pick})
			}
		}
	}

	slices.SortFunc(groups, func(a, b rankGroup) int {
		return cmp.Or(cmp.Compare(slices.Min(a.stmt), slices.Min(b.stmt)), cmp.Compare(slices.Min(a.book), slices.Min(b.book)))
	})
	var r Result
	for _, g := range groups {
		m := Group{Kind: g.kind, ByReference: g.byRef}
		for _, rk := range g.book {
			m.Book = append(m.Book, book[bs[rk].idx])
		}
		for _, rk := range g.stmt {
			m.Statement = append(m.Statement, stmt[ss[rk].idx])
		}
		r.Matches = append(r.Matches, m)
	}
	for _, s := range ss {
		if usedS[s.rank] {
			continue
		}
		if s.fen < 0 {
			r.BankPaidNotBooked = append(r.BankPaidNotBooked, stmt[s.idx])
		} else {
			r.BankReceivedNotBooked = append(r.BankReceivedNotBooked, stmt[s.idx])
		}
	}
	for _, b := range bs {
		if usedB[b.rank] {
			continue
		}
		if b.fen < 0 {
			r.BookedPaidNotInBank = append(r.BookedPaidNotInBank, book[b.idx])
		} else {
			r.BookedReceivedNotInBank = append(r.BookedReceivedNotInBank, book[b.idx])
		}
	}
	return r
}

func (c MatchConfig) withDefaults() MatchConfig {
	if c.DateWindowDays < 0 {
		c.DateWindowDays = 0
	}
	if c.GroupSizeMax <= 0 {
		c.GroupSizeMax = GroupSizeMaxDefault
	}
	c.GroupSizeMax = min(c.GroupSizeMax, groupSizeLimit)
	if c.CombinationsMax <= 0 {
		c.CombinationsMax = CombinationsMaxDefault
	}
	return c
}

// rankGroup is a match in ranks, before it is turned into a Group.
type rankGroup struct {
	kind  MatchKind
	book  []int
	stmt  []int
	byRef bool
}

// bookItems orders book entries by (date, voucher id, voucher, amount,
// reference, summary) so the result does not depend on the input order;
// the items are returned in that order with their rank.
func bookItems(book []BookEntry) []item {
	idx := make([]int, len(book))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := &book[a], &book[b]
		return cmp.Or(cmp.Compare(dayNumber(x.Date), dayNumber(y.Date)), cmp.Compare(x.VoucherID, y.VoucherID),
			strings.Compare(x.Voucher, y.Voucher), x.Amount.Cmp(y.Amount),
			strings.Compare(x.Reference, y.Reference), strings.Compare(x.Summary, y.Summary))
	})
	out := make([]item, len(idx))
	for r, i := range idx {
		out[r] = item{idx: i, rank: r, day: dayNumber(book[i].Date), fen: book[i].Amount.Fen(), ref: normRef(book[i].Reference)}
	}
	return out
}

// statementItems orders statement lines by (date, row, amount, reference).
func statementItems(stmt []StatementLine) []item {
	idx := make([]int, len(stmt))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := &stmt[a], &stmt[b]
		return cmp.Or(cmp.Compare(dayNumber(x.Date), dayNumber(y.Date)), cmp.Compare(x.Row, y.Row),
			x.Amount.Cmp(y.Amount), strings.Compare(x.Reference, y.Reference),
			strings.Compare(x.Counterparty, y.Counterparty), strings.Compare(x.Summary, y.Summary))
	})
	out := make([]item, len(idx))
	for r, i := range idx {
		out[r] = item{idx: i, rank: r, day: dayNumber(stmt[i].Date), fen: stmt[i].Amount.Fen(), ref: normRef(stmt[i].Reference)}
	}
	return out
}

func normRef(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// dayNumber is the calendar day of t in its own location, counted from
// 1970-01-01, so that a statement's 2020-02-03 10:23 and a voucher dated
// 2020-02-03 are the same day whatever zones they carry.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func absDays(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

// edge is a possible one-to-one pair.
type edge struct {
	b, s  int // ranks
	dist  int64
	byRef bool
}

// matchOneToOne pairs items of equal amounts. Within one amount it first
// takes reference-equal pairs, nearest first, then the remaining pairs
// nearest first; then it looks for augmenting paths (Kuhn's algorithm) over
// the pairs without equal references, which keeps every matched item
// matched while adding pairs the greedy choice missed.
func matchOneToOne(bs, ss []item, window int) []rankGroup {
	byAmount := map[int64][2][]int{}
	for _, b := range bs {
		e := byAmount[b.fen]
		e[0] = append(e[0], b.rank)
		byAmount[b.fen] = e
	}
	for _, s := range ss {
		if e, ok := byAmount[s.fen]; ok {
			e[1] = append(e[1], s.rank)
			byAmount[s.fen] = e
		}
	}
	amounts := make([]int64, 0, len(byAmount))
	for a, e := range byAmount {
		if len(e[1]) > 0 {
			amounts = append(amounts, a)
		}
	}
	slices.Sort(amounts)

	var out []rankGroup
	for _, a := range amounts {
		e := byAmount[a]
		var edges []edge
		for _, br := range e[0] {
			b := &bs[br]
			for _, sr := range e[1] {
				s := &ss[sr]
				if d := absDays(b.day, s.day); d <= int64(window) {
					edges = append(edges, edge{b: br, s: sr, dist: d, byRef: b.ref != "" && b.ref == s.ref})
				}
			}
		}
		slices.SortFunc(edges, func(x, y edge) int {
			if x.byRef != y.byRef {
				if x.byRef {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(x.dist, y.dist), cmp.Compare(x.s, y.s), cmp.Compare(x.b, y.b))
		})
		mateB := map[int]int{} // book rank → statement rank
		mateS := map[int]int{}
		fixed := map[int]bool{} // statement ranks matched by reference
		for _, ed := range edges {
			if _, ok := mateB[ed.b]; ok {
				continue
			}
			if _, ok := mateS[ed.s]; ok {
				continue
			}
			mateB[ed.b], mateS[ed.s] = ed.s, ed.b
			if ed.byRef {
				fixed[ed.s] = true
			}
		}
		if len(edges) <= augmentEdgesMax {
			augment(edges, mateB, mateS, fixed)
		}
		for _, sr := range e[1] {
			if br, ok := mateS[sr]; ok {
				out = append(out, rankGroup{kind: OneToOne, book: []int{br}, stmt: []int{sr}, byRef: fixed[sr]})
			}
		}
	}
	return out
}

// augment grows the matching mateB/mateS along augmenting paths that use
// neither reference-matched items nor their edges.
func augment(edges []edge, mateB, mateS map[int]int, fixed map[int]bool) {
	adj := map[int][]int{} // statement rank → book ranks, in edge order (nearest first)
	var order []int
	for _, ed := range edges {
		if ed.byRef || fixed[ed.s] {
			continue
		}
		if s, ok := mateB[ed.b]; ok && fixed[s] {
			continue
		}
		if _, ok := adj[ed.s]; !ok {
			order = append(order, ed.s)
		}
		adj[ed.s] = append(adj[ed.s], ed.b)
	}
	slices.Sort(order)
	var try func(s int, seen map[int]bool) bool
	try = func(s int, seen map[int]bool) bool {
		for _, b := range adj[s] {
			if seen[b] {
				continue
			}
			seen[b] = true
			other, taken := mateB[b]
			if !taken || try(other, seen) {
				mateB[b], mateS[s] = s, b
				return true
			}
		}
		return false
	}
	for _, s := range order {
		if _, ok := mateS[s]; !ok {
			try(s, map[int]bool{})
		}
	}
}

// findGroup looks for the smallest set of unused items of others (ranks),
// each of the same sign as one, within the window of it, adding up exactly
// to one's amount. It returns their ranks, or nil.
func findGroup(one item, others []item, used []bool, cfg MatchConfig) []int {
	if one.fen == 0 {
		return nil
	}
	target := one.fen
	sign := int64(1)
	if target < 0 {
		sign, target = -1, -target
	}
	// others are in rank order, which is date order first: the items
	// within the window are one run of it.
	w := int64(cfg.DateWindowDays)
	lo, _ := slices.BinarySearchFunc(others, one.day-w, func(o item, day int64) int { return cmp.Compare(o.day, day) })
	var cand []item
	for _, o := range others[lo:] {
		if o.day > one.day+w {
			break
		}
		if used[o.rank] || o.fen*sign <= 0 || o.fen*sign >= target {
			continue
		}
		cand = append(cand, o)
	}
	if len(cand) < 2 {
		return nil
	}
	slices.SortFunc(cand, func(x, y item) int {
		return cmp.Or(cmp.Compare(absDays(x.day, one.day), absDays(y.day, one.day)), cmp.Compare(x.rank, y.rank))
	})
	budget := cfg.CombinationsMax
	pick := make([]int, 0, cfg.GroupSizeMax)
	var search func(start, k int, rest int64) bool
	search = func(start, k int, rest int64) bool {
		if k == 0 {
			return rest == 0
		}
		for i := start; i <= len(cand)-k; i++ {
			if budget <= 0 {
				return false
			}
			budget--
			a := cand[i].fen * sign
			if a > rest || (k == 1 && a != rest) {
				continue
			}
			pick = append(pick, cand[i].rank)
			if search(i+1, k-1, rest-a) {
				return true
			}
			pick = pick[:len(pick)-1]
		}
		return false
	}
	for k := 2; k <= cfg.GroupSizeMax && k <= len(cand); k++ {
		if search(0, k, target) {
			return pick
		}
		if budget <= 0 {
			return nil
		}
	}
	return nil
}

// String is a short description for logs and messages.
func (s *StatementLine) String() string {
	return fmt.Sprintf("row %d %s %s", s.Row, s.Date.Format(time.DateOnly), s.Amount)
}

// String is a short description for logs and messages.
func (b *BookEntry) String() string {
	return fmt.Sprintf("%s %s %s", b.Voucher, b.Date.Format(time.DateOnly), b.Amount)
}
