package textout

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/report"
)

// Grants prints the grants a book made or received: the upper voucher,
// the receiving side, the amount, the receipt and whether it is 在途.
func Grants(w io.Writer, lang i18n.Lang, gs []ledger.Grant) error {
	if len(gs) == 0 {
		fmt.Fprintln(w, i18n.T(lang, "no data"))
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T(lang, "date\tfrom book\tvoucher\tstatus\tto book\torganisation\tfund\tamount\treceipt\tstate"))
	for _, g := range gs {
		state := i18n.T(lang, "received")
		switch {
		case g.Status != ledger.StatusPosted:
			state = i18n.T(lang, "not yet sent")
		case g.InTransit():
			state = i18n.T(lang, "in transit")
		}
		receipt := "-"
		if g.ReceiptID != 0 {
			receipt = fmt.Sprintf("%s (%s)", g.ReceiptNumber, g.ReceiptStatus.Name())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.Date.Format("2006-01-02"), g.Book, g.Number, g.Status.Name(),
			g.ToBook, g.ToOrg, g.ToFund, g.Amount.Format(), receipt, state)
	}
	return tw.Flush()
}

// Rollup prints the roll-up's figures per book and fund, the conservation
// across the levels and where the workbook went.
func Rollup(w io.Writer, lang i18n.Lang, r *report.Rollup, out string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T(lang, "book\tfund\treceived\tmatching\tallocated\tgranted down\tspent\treturned\tunspent\tconservation"))
	for _, b := range r.Books {
		for _, f := range b.Funds {
			mark := i18n.T(lang, "holds")
			if !f.Conserved() {
				mark = i18n.T(lang, "broken")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Book, f.Fund, f.Received.Format(), f.Matching.Format(), f.Allocated.Format(),
				f.GrantedOut.Format(), f.SpentTotal().Format(), f.Returned.Format(), f.Unspent.Format(), mark)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range r.Transfers {
		if !t.ReceiverRead {
			fmt.Fprintln(w, i18n.T(lang, "%s → %s (%s): sent %s; the lower book is not in the roll-up", t.FromBook, t.ToBook, t.Fund, t.Sent.Format()))
			continue
		}
		fmt.Fprintln(w, i18n.T(lang, "%s → %s (%s): sent %s, received %s, in transit %s", t.FromBook, t.ToBook, t.Fund,
			t.Sent.Format(), t.Received.Format(), t.InTransit().Format()))
	}
	if out != "" {
		fmt.Fprintln(w, i18n.T(lang, "roll-up workbook: %s", out))
	}
	return nil
}
