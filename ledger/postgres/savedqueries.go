package postgres

import (
	"context"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
)

// The auditors' saved queries (常用查询) over a period: the people paid
// more than once (by several organisations, or twice within N days), the
// payments in cash of at least the large-cash threshold (A-09's), and the
// split payments (A-10's: two or more payments by one organisation to one
// payee, each below the approval threshold, within the window, together
// at least the threshold). The pages list their results live; each audit
// run records their counts (saved_query_counts), which the overview shows.

// Names of the saved queries.
const (
	SavedRepeat = "repeat"
	SavedCash   = "cash"
	SavedSplit  = "split"
)

// SavedRepeatDays is N of "paid twice within N days" on the overview.
const SavedRepeatDays = 30

// CashOver keeps the payments in cash of at least t.
func CashOver(ps []Payment, t ledger.Money) []Payment {
	var out []Payment
	for _, p := range ps {
		if p.Cash && p.Amount.Cmp(t) >= 0 {
			out = append(out, p)
		}
	}
	return out
}

// SplitPayments keeps the payments (ordered by organisation, payee and
// date, as Payments lists them) that make a split: two or more by one
// organisation to one payee, each below the organisation's threshold, the
// last at most days after the first, together at least the threshold.
func SplitPayments(ps []Payment, days int, threshold func(org string) ledger.Money) []Payment {
	var out []Payment
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].Org == ps[i].Org && ps[j].Payee == ps[i].Payee {
			j++
		}
		g, t := ps[i:j], threshold(ps[i].Org)
		in := make([]bool, len(g))
		for a := range g {
			if ps[i].Payee == "" || g[a].Amount.Cmp(t) >= 0 {
				continue
			}
			sum, members := ledger.Zero, []int{}
			for b := a; b < len(g) && g[b].Date.Sub(g[a].Date) <= time.Duration(days)*24*time.Hour; b++ {
				if g[b].Amount.Cmp(t) < 0 {
					sum, members = sum.Add(g[b].Amount), append(members, b)
				}
			}
			if len(members) >= 2 && sum.Cmp(t) >= 0 {
				for _, m := range members {
					in[m] = true
				}
			}
		}
		for a := range g {
			if in[a] {
				out = append(out, g[a])
			}
		}
		i = j
	}
	return out
}

// PaidMoreThanOnce keeps the people (rows ordered by ID number and date,
// as SearchBeneficiaries lists them) paid by more than one organisation,
// or twice within days of each other (0: at any distance).
func PaidMoreThanOnce(rows []BeneficiaryPayment, days int) []BeneficiaryPayment {
	var out []BeneficiaryPayment
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].IDNumber == rows[i].IDNumber {
			j++
		}
		g := rows[i:j]
		keep := false
		for k := 1; k < len(g); k++ {
			if g[k].Org != g[0].Org || days == 0 || g[k].Date.Sub(g[k-1].Date) <= time.Duration(days)*24*time.Hour {
				keep = true
			}
		}
		if keep {
			out = append(out, g...)
		}
		i = j
	}
	return out
}

// ApprovalThreshold is the organisation's approval threshold, else its
// nearest ancestor's, else def (A-10's).
func ApprovalThreshold(b *ledger.Books, org string, def ledger.Money) ledger.Money {
	for o := b.Orgs[org]; o != nil; o = b.Orgs[o.Parent] {
		if o.ApprovalThreshold != nil {
			return *o.ApprovalThreshold
		}
		if o.Parent == "" || o.Parent == o.Code {
			break
		}
	}
	return def
}

// SavedPayments are the period's cash payments over cfg's threshold and
// its split payments, of the whole book b.
func (db *DB) SavedPayments(ctx context.Context, b *ledger.Books, period ledger.PeriodRange, cfg *audit.Config) (cash, split []Payment, err error) {
	ps, err := db.Payments(ctx, b.Book.Code, period.From, period.To)
	if err != nil {
		return nil, nil, err
	}
	return CashOver(ps, cfg.CashThreshold), SplitPayments(ps, cfg.SplitWindowDays, func(org string) ledger.Money {
		return ApprovalThreshold(b, org, cfg.SplitThreshold)
	}), nil
}

// RecordAuditRun records the findings of an audit run over period
// (RecordFindings) and the saved queries' counts as they stand
// (RecordSavedCounts).
func (db *DB) RecordAuditRun(ctx context.Context, book string, period ledger.PeriodRange, cfg *audit.Config, fs []audit.Finding, at time.Time) ([]StoredFinding, error) {
	stored, err := db.RecordFindings(ctx, book, period, fs, at)
	if err != nil {
		return nil, err
	}
	return stored, db.RecordSavedCounts(ctx, book, period, cfg, at)
}

// RecordSavedCounts counts the saved queries over period for the whole
// book, and the cash and split payments by organisation, and records the
// counts as of at.
func (db *DB) RecordSavedCounts(ctx context.Context, book string, period ledger.PeriodRange, cfg *audit.Config, at time.Time) error {
	if cfg == nil {
		c := audit.DefaultConfig()
		cfg = &c
	}
	b, err := loadBooks(ctx, db.Pool, book)
	if err != nil {
		return mapError(err)
	}
	cash, split, err := db.SavedPayments(ctx, b, period, cfg)
	if err != nil {
		return err
	}
	people, err := db.SearchBeneficiaries(ctx, BeneficiarySearch{Book: book, Repeated: true, From: period.From, To: period.To})
	if err != nil {
		return err
	}
	names, orgs, counts := []string{SavedRepeat, SavedCash, SavedSplit}, []string{"", "", ""},
		[]int32{int32(len(PaidMoreThanOnce(people, SavedRepeatDays))), int32(len(cash)), int32(len(split))}
	for name, ps := range map[string][]Payment{SavedCash: cash, SavedSplit: split} {
		by := map[string]int32{}
		for _, p := range ps {
			if p.Org != "" {
				by[p.Org]++
			}
		}
		for org, n := range by {
			names, orgs, counts = append(names, name), append(orgs, org), append(counts, n)
		}
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO saved_query_counts (book, period_from, period_to, at, name, org, count)
		SELECT $1, $2, $3, $4, unnest($5::text[]), unnest($6::text[]), unnest($7::int[])`,
		book, period.From, period.To, at, names, orgs, counts)
	return mapError(err)
}

// SavedCounts are the saved queries' counts an audit run recorded: of the
// whole book by query, and of each organisation (cash and split).
type SavedCounts struct {
	At    time.Time
	Whole map[string]int
	ByOrg map[string]map[string]int // query → organisation → count
}

// LastSavedCounts reads the counts of the last audit run over exactly
// period; ok is false when none recorded them.
func (db *DB) LastSavedCounts(ctx context.Context, book string, period ledger.PeriodRange) (c SavedCounts, ok bool, err error) {
	c = SavedCounts{Whole: map[string]int{}, ByOrg: map[string]map[string]int{}}
	rows, err := db.Pool.Query(ctx, `SELECT at, name, org, count FROM saved_query_counts
		WHERE book = $1 AND period_from = $2 AND period_to = $3
		  AND at = (SELECT max(at) FROM saved_query_counts WHERE book = $1 AND period_from = $2 AND period_to = $3)`,
		book, period.From, period.To)
	if err != nil {
		return c, false, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, org string
		var n int
		if err := rows.Scan(&c.At, &name, &org, &n); err != nil {
			return c, false, mapError(err)
		}
		ok = true
		if org == "" {
			c.Whole[name] = n
			continue
		}
		if c.ByOrg[name] == nil {
			c.ByOrg[name] = map[string]int{}
		}
		c.ByOrg[name][org] = n
	}
	return c, ok, mapError(rows.Err())
}
