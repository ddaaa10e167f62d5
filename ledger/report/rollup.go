package report

import (
	"sort"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Rollup is the upper levels' summary across books (上级汇总, issue #21):
// per book and special fund what came in, what went down and out, what is
// left; the conservation of each book; and across the levels, what each
// upper book granted against what each lower book recorded as received.
type Rollup struct {
	Period    ledger.PeriodRange
	Books     []RollupBook
	Transfers []RollupTransfer // one per (upper book, lower book, fund) with grants in the period
	MadeAt    time.Time
	MadeBy    string
}

// RollupBook is one book's part of the roll-up.
type RollupBook struct {
	Book     string
	Name     string
	Source   string // where its figures were read: "primary", "replica", or a database named in configuration
	Funds    []RollupFund
	Findings []RollupFindings // open and closed findings of the period by severity
}

// RollupFund is one special fund of one book over the period (amounts are
// of posted vouchers; Unspent and the conservation are at the period end).
type RollupFund struct {
	Fund, Name string
	Kind       ledger.FundKind
	Received   ledger.Money // 上级下拨 (420101) in the period
	Matching   ledger.Money // 本级配套 (4801)
	Allocated  ledger.Money // to the book's branches (121801 debits)
	GrantedOut ledger.Money // to lower books (5501)
	Spent      map[ledger.Purpose]ledger.Money
	Returned   ledger.Money // branches' unspent money back in the bank
	Unspent    ledger.Money // bank 100201 + branches' 121801 at the period end
	// Conservation at the period end (SPEC §3): income (420101 + 4801) =
	// bank + pending + spending + grants out.
	Income, Assets ledger.Money
}

// SpentTotal is the spending of all purposes.
func (f RollupFund) SpentTotal() ledger.Money {
	t := ledger.Zero
	for _, m := range f.Spent {
		t = t.Add(m)
	}
	return t
}

// Conserved reports whether the fund's conservation holds.
func (f RollupFund) Conserved() bool { return f.Income.Equal(f.Assets) }

// SpentOn is the spending on purpose (procurement, condolence, relief).
func (f RollupFund) SpentOn(purpose string) ledger.Money {
	if m, ok := f.Spent[ledger.Purpose(purpose)]; ok {
		return m
	}
	return ledger.Zero
}

// RollupFindings counts one book's audit findings of one severity.
type RollupFindings struct {
	Severity   string
	Open, Done int
}

// RollupGrant is one grant as one side records it: the upper book's
// posted grant vouchers (sent) or the lower book's posted receipts of
// grants (received), within the period.
type RollupGrant struct {
	FromBook, ToBook string
	FromVoucher      int64
	Fund             string // the lower book's fund (the grant's to_fund)
	Amount           ledger.Money
}

// RollupTransfer is the conservation across levels for one pair of books
// and the lower book's fund: what the upper level sent = what the lower
// level recorded as received; the difference is 在途 (or missing).
type RollupTransfer struct {
	FromBook, ToBook string
	Fund             string
	Sent, Received   ledger.Money
	Grants           int
	// ReceiverRead is false when the lower book is not part of the
	// roll-up (not readable or not listed): its side is unknown.
	ReceiverRead bool
}

// InTransit is what was sent and not yet recorded as received.
func (t RollupTransfer) InTransit() ledger.Money { return t.Sent.Sub(t.Received) }

// Transfers matches the grants sent by the upper books with the receipts
// recorded by the lower ones. read names the books whose receipts were
// read (a transfer to another book has an unknown receiving side).
func Transfers(sent, received []RollupGrant, read map[string]bool) []RollupTransfer {
	type key struct{ from, to, fund string }
	byKey := map[key]*RollupTransfer{}
	get := func(k key) *RollupTransfer {
		t := byKey[k]
		if t == nil {
			t = &RollupTransfer{FromBook: k.from, ToBook: k.to, Fund: k.fund, Sent: ledger.Zero, Received: ledger.Zero, ReceiverRead: read[k.to]}
			byKey[k] = t
		}
		return t
	}
	for _, g := range sent {
		t := get(key{g.FromBook, g.ToBook, g.Fund})
		t.Sent = t.Sent.Add(g.Amount)
		t.Grants++
	}
	for _, g := range received {
		t := get(key{g.FromBook, g.ToBook, g.Fund})
		t.Received = t.Received.Add(g.Amount)
	}
	out := make([]RollupTransfer, 0, len(byKey))
	for _, t := range byKey {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.FromBook != b.FromBook {
			return a.FromBook < b.FromBook
		}
		if a.ToBook != b.ToBook {
			return a.ToBook < b.ToBook
		}
		return a.Fund < b.Fund
	})
	return out
}
