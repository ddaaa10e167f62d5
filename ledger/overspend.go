package ledger

// BalanceKey names one stored balance: account, organisation, fund.
type BalanceKey struct{ Account, Org, Fund string }

// Move is one voucher line's change of a balance, in fen, debit positive.
type Move struct {
	Key BalanceKey
	Fen int64
}

// Net is a voucher's net change of one restricted balance.
type Net struct {
	Key BalanceKey
	Fen int64 // debit positive
	// Credit is the index of the first move on the key that is a credit,
	// -1 when there is none: the line an overspend is reported on.
	Credit int
	// Before is the balance before the voucher, as the check read it.
	Before int64
}

// CheckOverspend is the rule that no restricted balance goes below zero
// (SPEC §4 insufficient_funds): all the moves of one voucher count at once,
// netted per restricted balance (accounts the chart marks Restricted), in
// order of first appearance. balance reads a balance before the voucher.
// It returns the nets and the first one that takes its balance below zero,
// nil when none does. The database checks the same rule again under the
// posting's locks; the CSV import carries the nets forward through a file.
func CheckOverspend(chart Chart, moves []Move, balance func(BalanceKey) int64) (nets []Net, over *Net) {
	for i, m := range moves {
		if a := chart[m.Key.Account]; a == nil || !a.Restricted {
			continue
		}
		j := 0
		for j < len(nets) && nets[j].Key != m.Key {
			j++
		}
		if j == len(nets) {
			nets = append(nets, Net{Key: m.Key, Credit: -1})
		}
		nets[j].Fen += m.Fen
		if m.Fen < 0 && nets[j].Credit < 0 {
			nets[j].Credit = i
		}
	}
	for j := range nets {
		n := &nets[j]
		n.Before = balance(n.Key)
		if over == nil && n.Before+n.Fen < 0 {
			over = n
		}
	}
	return nets, over
}

// Err is the insufficient_funds error of an overspent balance: field names
// the line to blame, voucher names the voucher for people (its 字号, or its
// rows in a file).
func (n *Net) Err(b *Books, field, voucher string) error {
	org, acct := n.Key.Org, n.Key.Account
	if o := b.Orgs[n.Key.Org]; o != nil {
		org = o.Name + "（" + o.Code + "）"
	}
	if a := b.Chart[n.Key.Account]; a != nil {
		acct = a.Code + " " + a.Name
	}
	return Errorf(EInsufficientFunds, field, "%s has %s of fund %s on %s; %s needs %s",
		org, FromFen(n.Before).Format(), n.Key.Fund, acct, voucher, FromFen(-n.Fen).Format())
}
