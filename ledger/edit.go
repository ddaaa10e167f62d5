package ledger

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"
)

// Editing a draft (SPEC §3, issue #15): until it is checked, a draft's
// header, lines and beneficiaries may be replaced by its maker or an admin
// in scope (CanEditDraft). Its number, month and 凭证字 stay; every edit
// names the version it changes and makes the next one, and the action log
// keeps each version's content.

// ActEdit is the action-log name of an edit of a draft.
const ActEdit Action = "edit"

// CheckEdit checks the edit of stored draft old into next, which names
// version, the version it changes: old is still a draft (a checked voucher
// is unchecked first, a posted one reversed), version is old's (else
// another edit came first), and next keeps old's month and 凭证字 (a voucher
// moving month or type would change its number: void it and enter it
// again). A red reversal is not edited: it negates its original exactly.
func CheckEdit(old, next *Voucher, version int) error {
	word := old.Word()
	if old.Status != StatusDraft {
		return Errorf(EImmutable, "status", "%s is %s: only a draft is edited (a checked voucher is unchecked first; a posted one is corrected by a reversal)", word, old.Status)
	}
	if version < 1 {
		return Errorf(EInvalid, "version", "name the version of %s the edit changes (voucher show prints it)", word)
	}
	if version != old.Version {
		return Errorf(EInvalidState, "version", "%s is at version %d, not %d: it was edited meanwhile; read it again", word, old.Version, version)
	}
	if old.ReversalOf != 0 {
		return Errorf(EInvalid, "reversal_of", "%s is a red reversal and is not edited; void it and reverse again", word)
	}
	if t := next.Type; t != "" && t != old.Type {
		return Errorf(EInvalid, "type", "an edit keeps the voucher type %s of %s; void it and enter it again", old.Type, word)
	}
	if y, m := PeriodOf(next.Date); y != old.Year || m != old.Month {
		return Errorf(EInvalid, "date", "an edit keeps %s in %04d-%02d; void it and enter it again", word, old.Year, old.Month)
	}
	return nil
}

// Edited is next made the successor of stored draft old: what an edit does
// not change (id, number, type, flow, what it refers to, its key, maker and
// status) is old's, and the version is the next one.
func Edited(old, next *Voucher) *Voucher {
	w := *next
	w.Lines = append([]Line(nil), next.Lines...)
	w.Beneficiaries = append([]Beneficiary(nil), next.Beneficiaries...)
	w.ID, w.Book, w.Type, w.Year, w.Month, w.Number = old.ID, old.Book, old.Type, old.Year, old.Month, old.Number
	w.Flow, w.ReversalOf, w.CorrectionOf, w.Key, w.Status = old.Flow, old.ReversalOf, old.CorrectionOf, old.Key, old.Status
	w.Maker, w.MadeAt, w.Version = old.Maker, old.MadeAt, old.Version+1
	w.Checker, w.Cashier, w.Poster, w.CheckedAt, w.SignedAt, w.PostedAt = "", "", "", nil, nil, nil
	return &w
}

// VoucherContent is what an edit may change of a voucher, as the action
// log keeps it for each version. Beneficiaries' ID numbers are kept in
// full here (the record) and masked when shown (Masked).
type VoucherContent struct {
	Date          string               `json:"date"`
	Summary       string               `json:"summary"`
	Attachments   int                  `json:"attachments"`
	DocTypes      []string             `json:"doc_types"`
	Decision      string               `json:"decision"`
	Payee         string               `json:"payee"`
	PayeeType     string               `json:"payee_type"`
	Method        string               `json:"method"`
	Memo          string               `json:"memo"`
	Closing       bool                 `json:"closing"`
	Correcting    bool                 `json:"correcting"`
	Lines         []LineView           `json:"lines"`
	Beneficiaries []BeneficiaryContent `json:"beneficiaries"`
}

// BeneficiaryContent is a beneficiary in a VoucherContent.
type BeneficiaryContent struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	IDNumber string `json:"id_number"`
	IDKind   IDKind `json:"id_kind,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Amount   Money  `json:"amount"`
}

// Content is v's content as an edit sees it.
func Content(v *Voucher) VoucherContent {
	view := View(v, nil, true)
	c := VoucherContent{Date: v.Date.Format(time.DateOnly), Summary: v.Summary, Attachments: v.Attachments, DocTypes: view.DocTypes,
		Decision: v.Decision, Payee: v.Payee, PayeeType: v.PayeeType, Method: v.Method, Memo: v.Memo, Closing: v.Closing,
		Correcting: v.Correcting, Lines: view.Lines, Beneficiaries: []BeneficiaryContent{}}
	for i := range c.Lines {
		c.Lines[i].No = i + 1
	}
	for _, p := range v.Beneficiaries {
		c.Beneficiaries = append(c.Beneficiaries, BeneficiaryContent{Name: p.Name, Category: p.Category, IDNumber: p.IDNumber,
			IDKind: p.IDKind, Phone: p.Phone, Reason: p.Reason, Amount: p.Amount})
	}
	return c
}

// Masked is c with its beneficiaries' ID numbers masked, as reports show
// them.
func (c VoucherContent) Masked() VoucherContent {
	b := make([]BeneficiaryContent, len(c.Beneficiaries))
	for i, p := range c.Beneficiaries {
		p.IDNumber = MaskID(p.IDNumber)
		b[i] = p
	}
	c.Beneficiaries = b
	return c
}

// Changed lists the fields (by their JSON names, sorted) in which after
// differs from before.
func Changed(before, after VoucherContent) []string {
	fields := func(c VoucherContent) map[string]json.RawMessage {
		b, _ := json.Marshal(c)
		m := map[string]json.RawMessage{}
		_ = json.Unmarshal(b, &m)
		return m
	}
	a, b := fields(before), fields(after)
	out := []string{}
	for k, v := range b {
		if !bytes.Equal(a[k], v) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// VersionEntry is one step of a voucher's history: the action (make, edit,
// check, uncheck, sign, post, void), who did it and when, and the version
// it made or acted on. An edit carries the fields it changed and the
// content before and after it.
type VersionEntry struct {
	Version int             `json:"version"`
	Action  Action          `json:"action"`
	Actor   string          `json:"actor"`
	At      time.Time       `json:"at"`
	Source  string          `json:"source,omitempty"`
	Changed []string        `json:"changed,omitempty"`
	Before  *VoucherContent `json:"before,omitempty"`
	After   *VoucherContent `json:"after,omitempty"`
}

// EditDetail is the detail the action log keeps for an edit.
type EditDetail struct {
	Version int            `json:"version"`
	Changed []string       `json:"changed"`
	Before  VoucherContent `json:"before"`
	After   VoucherContent `json:"after"`
}
