package postgres

import (
	"context"
	"sort"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// BalanceRow is the balance of one account of one organisation and fund,
// with the total rolled up over the organisation's subtree.
type BalanceRow struct {
	Org         string       `json:"org"`
	OrgName     string       `json:"org_name"`
	Depth       int          `json:"depth"`
	Account     string       `json:"account"`
	AccountName string       `json:"account_name"`
	Fund        string       `json:"fund"`
	Own         ledger.Money `json:"own"`   // the organisation's own balance (debit-positive)
	Total       ledger.Money `json:"total"` // own plus every descendant's
}

// Balances returns balances rolled up the organisation tree: for org (""
// for the whole book) and its subtree, optionally one fund, from the stored
// balances or, with asOf set, as they stood at the end of asOf: the stored
// balances less the turnover dated after asOf (balancesAsOfSQL).
func (db *DB) Balances(ctx context.Context, book, org, fund string, asOf time.Time) ([]BalanceRow, error) {
	b, err := loadBooks(ctx, db.Pool, book)
	if err != nil {
		return nil, mapError(err)
	}
	if org != "" && b.Orgs[org] == nil {
		return nil, ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist", org)
	}
	if fund != "" && b.Funds[fund] == nil {
		return nil, ledger.Errorf(ledger.ENotFound, "fund", "fund %s does not exist", fund)
	}
	sql := `SELECT account, org, fund, balance_fen FROM balances WHERE book = $1 AND ($2 = '' OR fund = $2)`
	args := []any{book, fund}
	if !asOf.IsZero() {
		sql = balancesAsOfSQL
		args = append(args, asOf)
	}
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	type key struct{ org, account, fund string }
	own := map[key]int64{}
	for rows.Next() {
		var k key
		var v int64
		if err := rows.Scan(&k.account, &k.org, &k.fund, &v); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		own[k] += v
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	orgs, err := loadOrgs(ctx, db.Pool, book)
	if err != nil {
		return nil, mapError(err)
	}
	// Roll up: every own balance adds to its organisation and each ancestor.
	total := map[key]int64{}
	for k, v := range own {
		for _, a := range b.Ancestors(k.org) {
			total[key{a, k.account, k.fund}] += v
		}
	}
	children := map[string][]string{}
	for _, o := range orgs {
		children[o.Parent] = append(children[o.Parent], o.Code)
	}
	var order []string
	var walk func(code string)
	walk = func(code string) {
		order = append(order, code)
		for _, c := range children[code] {
			walk(c)
		}
	}
	if org != "" {
		walk(org)
	} else {
		for _, r := range children[""] {
			walk(r)
		}
	}
	var out []BalanceRow
	for _, code := range order {
		var ks []key
		for k := range total {
			if k.org == code {
				ks = append(ks, k)
			}
		}
		sort.Slice(ks, func(i, j int) bool {
			if ks[i].account != ks[j].account {
				return ks[i].account < ks[j].account
			}
			return ks[i].fund < ks[j].fund
		})
		o := b.Orgs[code]
		for _, k := range ks {
			if total[k] == 0 && own[k] == 0 {
				continue
			}
			name := ""
			if a := b.Chart[k.account]; a != nil {
				name = a.Name
			}
			out = append(out, BalanceRow{Org: code, OrgName: o.Name, Depth: ledger.Depth(b.Orgs, code), Account: k.account,
				AccountName: name, Fund: k.fund, Own: ledger.FromFen(own[k]), Total: ledger.FromFen(total[k])})
		}
	}
	return out, nil
}
