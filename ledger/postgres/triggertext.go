package postgres

import (
	"regexp"
	"strings"
	"sync"

	"github.com/fenyang/partyfee/ledger"
)

// The schema's triggers refuse in English (RAISE … MESSAGE = format(…)),
// the language of the database's own log. A person reads the refusal in
// the catalogue's language: triggerFormats are the triggers' formats
// (PostgreSQL's %s), each a catalogue key with its Chinese in
// ledger/i18n/zh-CN.json; a refusal whose text matches one becomes an
// error of that format with the matched values as its arguments, so it
// renders in Chinese and, in English, exactly as the trigger wrote it. A
// refusal matching none falls back to the code's generic sentence, its
// trigger text kept as the error's Msg and cause.
var triggerFormats = []string{
	"period %s-%s of book %s is closed",
	"period %s-%s is closed",
	"%s made voucher %s and cannot check it",
	"%s made or checked voucher %s and cannot sign it",
	"%s made voucher %s and cannot post it",
	"%s signed voucher %s as cashier and cannot post it",
	"only the maker %s or an admin voids voucher %s",
	"%s is not a checker or admin of book %s",
	"%s is not a cashier of book %s",
	"%s is not an officer or admin of book %s",
	"cash/bank voucher %s must be signed by the cashier before posting",
	"voucher %s cannot go from %s to %s",
	"voucher %s is %s and cannot be changed; corrections are reversals",
	"voucher %s (%s) cannot be changed",
	"voucher %s is not posted; only a posted voucher is reversed",
	"voucher %s is no longer a draft; its lines cannot change",
	"voucher %s needs at least 2 lines",
	"voucher %s does not balance for fund %s: debit %s, credit %s",
	"voucher %s does not exist",
	"a voucher is made as a draft",
	"negative amounts are only allowed on a red reversal",
	"account %s is not in the chart",
	"organisation %s does not exist",
	"fund %s does not exist",
	"%s is not a leaf account",
	"%s is not active on %s (set up %s, dissolved %s)",
	"%s is not a permitted purpose of fund %s on this account (wants %s)",
	"the balance of %s %s %s would be %s, below zero",
	"period %s-%s has vouchers that are not posted or void",
	"period %s-%s is not the latest closed month",
	"%s is not an admin of book %s; only an admin or the scheduled batch closes a month",
	"%s is not an admin of the whole book %s: only one re-opens a closed month",
	"the bank account moved in %s-%s and no bank statement was reconciled; a close without one needs a reason",
	"%s may act only within %s; %s is outside",
	"the date %s is outside the window of plausible dates of book %s, %s to %s",
	"the voucher's total %s exceeds the ceiling of %s for one voucher of book %s",
	"year %s of book %s is closed",
	"the lines of voucher %s are dated %s, the voucher %s",
	"the edit of voucher %s dated it %s and left lines of another date",
	"%s is append-only: rows are never changed or deleted",
	"%s: rows are never deleted",
	"finding %s cannot go from %s to %s (open → acknowledged → rectified)",
	"a change of state needs a note",
}

// triggerFallback is the sentence of a refusal no format matches, by code.
var triggerFallback = map[string]string{
	ledger.EUnbalanced:        "the voucher does not balance (database check)",
	ledger.EInsufficientFunds: "the balance would go below zero (database check)",
	ledger.EPurposeNotAllowed: "the purpose is not permitted (database check)",
	ledger.EPeriodClosed:      "the period is closed (database check)",
	ledger.EOrgInactive:       "the organisation is not active on that date (database check)",
	ledger.ESamePerson:        "one person may not take two roles on one voucher (database check)",
	ledger.EInvalidState:      "the record is not in a state that allows this (database check)",
	ledger.EImmutable:         "the record can no longer be changed (database check)",
	ledger.EInvalidAmount:     "the amount is not allowed (database check)",
	ledger.EForbidden:         "the user may not do this (database check)",
	ledger.ENotFound:          "something the request refers to does not exist (database check)",
}

type triggerPattern struct {
	format string
	re     *regexp.Regexp
}

var triggerPatterns = sync.OnceValue(func() []triggerPattern {
	out := make([]triggerPattern, len(triggerFormats))
	for i, f := range triggerFormats {
		expr := "^" + strings.ReplaceAll(regexp.QuoteMeta(f), "%s", "(.*?)") + "$"
		out[i] = triggerPattern{f, regexp.MustCompile(expr)}
	}
	return out
})

// triggerError is the refusal of a schema trigger with code, field and
// message msg.
func triggerError(code, field, msg string, cause error) *ledger.Error {
	for _, p := range triggerPatterns() {
		m := p.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, s := range m[1:] {
			args[i] = s
		}
		return ledger.Errorf(code, field, p.format, args...).Because(cause)
	}
	f, ok := triggerFallback[code]
	if !ok {
		f = "the database refuses this change"
	}
	// The sentence has no arguments: it is the error's format as it stands.
	return &ledger.Error{Code: code, Field: field, Msg: msg, Format: f, Err: cause}
}
