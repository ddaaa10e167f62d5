package web

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/report"
	"github.com/fenyang/partyfee/reports"
)

// The upper levels' roll-up across the books of this database (上级汇总,
// `ledger report rollup`): the books the user may read — their own book as
// its auditor or admin, and the lower books whose admins granted them —
// per special fund, the grants sent against those received, findings per
// book. Books in other databases are rolled up by the command.

type rollupData struct {
	Period string
	Roll   *report.Rollup
}

// rollup reads the roll-up of the period for the user.
func (s *Server) rollup(r *http.Request) (string, *report.Rollup, error) {
	rq := current(r)
	if err := ledger.CanAudit(rq.user, "read the roll-up across books"); err != nil {
		return "", nil, err
	}
	// The roll-up's figures are whole books': a user of one branch would
	// read the other branches' money through them.
	if rq.user.Scope != "" {
		return "", nil, ledger.Errorf(ledger.EForbidden, "user", "%s may act only within %s; the roll-up across books shows whole books", rq.user.Name, rq.user.Scope)
	}
	period, pr, err := s.overviewPeriod(r)
	if err != nil {
		return "", nil, err
	}
	rdb := s.reader(r.Context()) // one choice of database (and one wait for the replica) per page
	codes, err := rdb.BookCodes(r.Context())
	if err != nil {
		return "", nil, err
	}
	req := postgres.RollupRequest{Period: pr, ReaderBook: rq.user.Book, Reader: rq.user.Name}
	for _, c := range codes {
		ok, err := rdb.MayReadRollup(r.Context(), c, rq.user.Book, rq.user.Name)
		if err != nil {
			return "", nil, err
		}
		if ok {
			req.Sources = append(req.Sources, postgres.RollupSource{Book: c, DB: rdb, Source: "本库"})
		}
	}
	roll, err := postgres.BuildRollup(r.Context(), req, s.db.Now)
	return period, roll, err
}

// auditRollup answers GET /audit/rollup?period=.
func (s *Server) auditRollup(w http.ResponseWriter, r *http.Request) {
	period, roll, err := s.rollup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit_rollup", page{Title: "上级汇总", Menu: "audit", Data: rollupData{Period: period, Roll: roll}})
}

// auditRollupWorkbook answers GET /audit/rollup.xlsx?period=: the same
// roll-up as the workbook `ledger report rollup` writes.
func (s *Server) auditRollupWorkbook(w http.ResponseWriter, r *http.Request) {
	period, roll, err := s.rollup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := reports.WriteRollup(&buf, roll, current(r).view.Person(current(r).user.Name), "", report.Signatures{}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("上级汇总-"+period+".xlsx"))
	w.Write(buf.Bytes())
}
