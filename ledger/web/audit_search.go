package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// The auditors' search for people (查询受益人): by name or whole ID
// number, and the people paid more than once (by several branches, or
// several times within N days). ID numbers are masked; showing one whole
// is a POST with a reason, recorded in the action log.

type searchPayment struct {
	postgres.BeneficiaryPayment
	Masked string
}

type auditSearchData struct {
	Q, Period, Days string
	Repeat          bool
	Searched        bool
	Rows            []searchPayment
	// A saved query's: its name and title, and the payments it found
	// (cash, split; repeat fills Rows).
	Saved, SavedTitle string
	Payments          []postgres.Payment
	Saves             []savedQueryCount // the saved queries' links (without counts)
}

// looksLikeID tells an ID number (15 or 18 characters, digits with a
// final X) from a name.
func looksLikeID(q string) bool {
	if len(q) != 15 && len(q) != 18 {
		return false
	}
	for i, c := range q {
		if !(c >= '0' && c <= '9' || i == len(q)-1 && (c == 'X' || c == 'x')) {
			return false
		}
	}
	return true
}

// auditSearch answers GET /audit/search?q=&period=&repeat=1&days=.
func (s *Server) auditSearch(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := ledger.CanAudit(rq.user, "open the audit overview"); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d := auditSearchData{Q: strings.TrimSpace(q.Get("q")), Period: q.Get("period"), Days: q.Get("days"), Repeat: q.Get("repeat") != "", Saved: q.Get("saved")}
	period := d.Period
	if period == "" {
		period = ledger.InZone(s.db.Now(), s.opt.TimeZone).Format("2006-01")
	}
	for _, n := range []string{savedRepeat, savedCash, savedSplit} {
		d.Saves = append(d.Saves, savedQueryCount{Name: n, Title: savedQueryNames[n], Link: savedLink(n, period)})
	}
	switch d.Saved {
	case "", savedRepeat:
	case savedCash, savedSplit:
		pr, err := ledger.ParsePeriod(period)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		cash, split, err := s.savedPayments(r.Context(), s.reader(r.Context()), rq, pr)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Payments, d.Searched, d.Period, d.SavedTitle = cash, true, period, savedQueryNames[d.Saved]
		if d.Saved == savedSplit {
			d.Payments = split
		}
		s.render(w, r, http.StatusOK, "audit_search", page{Title: "审计查询 · " + d.SavedTitle, Menu: "audit", Data: d})
		return
	default:
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "saved", "no saved query %q", d.Saved))
		return
	}
	if d.Saved == savedRepeat {
		d.Repeat, d.SavedTitle = true, savedQueryNames[savedRepeat]
	}
	if d.Q == "" && !d.Repeat {
		s.render(w, r, http.StatusOK, "audit_search", page{Title: "审计查询", Menu: "audit", Data: d})
		return
	}
	d.Searched = true
	f := postgres.BeneficiarySearch{Book: rq.user.Book, Repeated: d.Repeat}
	if looksLikeID(d.Q) {
		f.IDNumber = d.Q
	} else {
		f.Name = d.Q
	}
	if d.Period != "" {
		p, err := ledger.ParsePeriod(d.Period)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.From, f.To = p.From, p.To
	}
	days := 0
	if d.Days != "" {
		n, err := strconv.Atoi(d.Days)
		if err != nil || n < 0 {
			s.fail(w, r, ledger.Errorf(ledger.EInvalid, "days", "%q is not a number of days", d.Days))
			return
		}
		days = n
	}
	ps, err := s.reader(r.Context()).SearchBeneficiaries(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := inScope(rq, ps)
	if d.Repeat {
		rows = postgres.PaidMoreThanOnce(rows, days)
	}
	for _, p := range rows {
		d.Rows = append(d.Rows, searchPayment{BeneficiaryPayment: p, Masked: ledger.MaskID(p.IDNumber)})
	}
	s.render(w, r, http.StatusOK, "audit_search", page{Title: "审计查询", Menu: "audit", Data: d})
}

type revealData struct {
	P      searchPayment
	Number string
}

// revealID answers POST /audit/reveal (voucher, seq, reason): the whole ID
// number of one beneficiary, recorded in the action log.
func (s *Server) revealID(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := ledger.CanAudit(rq.user, "open the audit overview"); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PostFormValue("voucher"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "id", "no voucher %q", r.PostFormValue("voucher")))
		return
	}
	seq, err := strconv.Atoi(r.PostFormValue("seq"))
	if err != nil || seq <= 0 {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "seq", "voucher %d has no beneficiary %d", id, seq))
		return
	}
	v, err := s.db.Voucher(r.Context(), rq.user.Book, id)
	if err == nil {
		err = mayRead(rq.user, v, rq.books)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	number, err := s.db.RevealIDNumber(r.Context(), rq.user.Book, rq.user.Name, id, seq, r.PostFormValue("reason"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := revealData{Number: number, P: searchPayment{BeneficiaryPayment: postgres.BeneficiaryPayment{VoucherID: id, Seq: seq, Word: v.Word(), Date: v.Date}}}
	for i, b := range v.Beneficiaries {
		if i+1 == seq {
			d.P.Name, d.P.Amount = b.Name, b.Amount
		}
	}
	s.render(w, r, http.StatusOK, "audit_reveal", page{Title: "查看完整身份证号", Menu: "audit", Data: d})
}

// reveals answers GET /audit/reveals: who saw which whole ID number, when
// and why; for an admin of the whole book.
func (s *Server) reveals(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := ledger.CanActBookWide(rq.user, "open the audit overview"); err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.db.Reveals(r.Context(), rq.user.Book)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit_reveals", page{Title: "身份证号查看记录", Menu: "audit", Data: rs})
}
