package configs

import (
	"github.com/spf13/pflag"

	"github.com/fenyang/partyfee/ledger"
)

// HeaderEdit is the header of a draft as the flags of `ledger voucher
// edit` give it (Bind); Apply sets the fields whose flags were given.
type HeaderEdit struct {
	Version                                                 int // the version the edit changes
	Date, Summary, Decision, Payee, PayeeType, Method, Memo string
	Attachments                                             int
	DocTypes                                                []string
}

// Bind defines the flags of h on f.
func (h *HeaderEdit) Bind(f *pflag.FlagSet) {
	f.IntVar(&h.Version, "version", 0, "the version of the draft this edit changes (voucher show prints it)")
	f.StringVar(&h.Date, "date", "", "voucher date YYYY-MM-DD, in the same month")
	f.StringVar(&h.Summary, "summary", "", "summary (摘要)")
	f.IntVar(&h.Attachments, "attachments", 0, "number of attached source documents (附单据张数)")
	f.StringSliceVar(&h.DocTypes, "doc-type", nil, "document types of the attachments: 发票, 财政票据, 银行回单, 签收单/花名册")
	f.StringVar(&h.Decision, "decision", "", "decision reference (决策依据)")
	f.StringVar(&h.Payee, "payee", "", "payee (收款人)")
	f.StringVar(&h.PayeeType, "payee-type", "", "payee type: supplier, host_unit, individual, org, upper_org")
	f.StringVar(&h.Method, "method", "", "payment method: bank or cash")
	f.StringVar(&h.Memo, "memo", "", "memo")
}

// Apply sets on v the header fields whose flags f says were given.
func (h *HeaderEdit) Apply(v *ledger.Voucher, f *pflag.FlagSet) error {
	if f.Changed("date") {
		d, err := ledger.ParseDate(h.Date)
		if err != nil {
			return err
		}
		v.Date = d
	}
	set := func(name string, dst *string, val string) {
		if f.Changed(name) {
			*dst = val
		}
	}
	set("summary", &v.Summary, h.Summary)
	set("decision", &v.Decision, h.Decision)
	set("payee", &v.Payee, h.Payee)
	set("payee-type", &v.PayeeType, h.PayeeType)
	set("method", &v.Method, h.Method)
	set("memo", &v.Memo, h.Memo)
	if f.Changed("attachments") {
		v.Attachments = h.Attachments
	}
	if f.Changed("doc-type") {
		v.DocTypes = h.DocTypes
	}
	return nil
}
