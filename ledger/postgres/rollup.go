package postgres

import (
	"context"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// RollupSource is one book of a roll-up and the database it is read from
// (books of one database share it; a book elsewhere has its own, or its
// replica).
type RollupSource struct {
	Book   string
	DB     *DB
	Source string // shown on the sheet: "本库", or the configured database
}

// RollupRequest is a roll-up to build: the books, the period and who
// reads, a user of ReaderBook (empty: the operator's command, which reads
// every book it can reach).
type RollupRequest struct {
	Sources            []RollupSource
	Period             ledger.PeriodRange
	ReaderBook, Reader string
}

// BuildRollup reads every book of the request — refusing one the reader
// was not granted (forbidden, naming the book) — and matches the grants
// sent by the upper books with the receipts recorded by the lower ones.
func BuildRollup(ctx context.Context, req RollupRequest, now func() time.Time) (*report.Rollup, error) {
	r := &report.Rollup{Period: req.Period, MadeBy: req.Reader}
	if r.MadeBy == "" {
		r.MadeBy = ledger.SystemUser
	}
	if now != nil {
		r.MadeAt = now()
	}
	read := map[string]bool{}
	var sent, received []report.RollupGrant
	for _, src := range req.Sources {
		ok, err := src.DB.MayReadRollup(ctx, src.Book, req.ReaderBook, req.Reader)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ledger.Errorf(ledger.EForbidden, "books", "%s of book %s may not read book %s in the roll-up: an admin of that book grants it (ledger grant reader)",
				req.Reader, req.ReaderBook, src.Book)
		}
		rb, err := src.DB.RollupBook(ctx, src.Book, req.Period)
		if err != nil {
			return nil, err
		}
		read[src.Book] = true
		b := report.RollupBook{Book: rb.Book.Book, Name: rb.Book.Name, Source: src.Source}
		for _, f := range rb.Funds {
			b.Funds = append(b.Funds, report.RollupFund{Fund: f.Fund, Name: f.Name, Kind: ledger.FundKind(f.Kind),
				Received: ledger.FromFen(f.Received), Matching: ledger.FromFen(f.Matching), Allocated: ledger.FromFen(f.Allocated),
				GrantedOut: ledger.FromFen(f.GrantedOut), Returned: ledger.FromFen(f.Returned), Unspent: ledger.FromFen(f.Unspent),
				Income: ledger.FromFen(f.Income), Assets: ledger.FromFen(f.Assets),
				Spent: map[ledger.Purpose]ledger.Money{ledger.Procurement: ledger.FromFen(f.Procurement),
					ledger.Condolence: ledger.FromFen(f.Condolence), ledger.Relief: ledger.FromFen(f.Relief)}})
		}
		for _, f := range rb.Findings {
			b.Findings = append(b.Findings, report.RollupFindings{Severity: f.Severity, Open: f.Open, Done: f.Done})
		}
		for _, g := range rb.Sent {
			sent = append(sent, rollupGrant(g))
		}
		for _, g := range rb.Received {
			received = append(received, rollupGrant(g))
		}
		r.Books = append(r.Books, b)
	}
	// A receipt counts against the grants of the period sent by the books
	// read: receipts of grants sent in other periods, or by books outside
	// the roll-up, are left out.
	inPeriod := map[[2]any]bool{}
	for _, g := range sent {
		inPeriod[[2]any{g.FromBook, g.FromVoucher}] = true
	}
	var matched []report.RollupGrant
	for _, g := range received {
		if inPeriod[[2]any{g.FromBook, g.FromVoucher}] {
			matched = append(matched, g)
		}
	}
	r.Transfers = report.Transfers(sent, matched, read)
	return r, nil
}

func rollupGrant(g GrantRead) report.RollupGrant {
	return report.RollupGrant{FromBook: g.FromBook, ToBook: g.ToBook, FromVoucher: g.FromVoucher, Fund: g.Fund, Amount: ledger.FromFen(g.AmountFen)}
}
