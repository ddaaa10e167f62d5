package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// The tamper-evidence check of the CLI's `ledger verify`: the book's hash
// chain recomputed, or the seal recorded when a month was closed checked
// (with a seal printed on a report, against it too).

func (s *Server) registerVerify() {
	s.handle(Route{Method: http.MethodGet, Pattern: "/api/v1/verify"}, s.read(s.verify))
}

// verifyAnswer is the chain check with its verdict.
type verifyAnswer struct {
	Clean bool `json:"clean"`
	postgres.VerifyResult
}

// verify answers 200 with the result whether or not the chain is intact
// (clean tells); an auditor or an admin of the whole book asks.
func (s *Server) verify(c *call) (int, any, error) {
	q, err := query(c.r, "from_seq", "period", "seal")
	if err != nil {
		return 0, nil, err
	}
	if err := mayReconcileBook(c.user, "verify the chain"); err != nil {
		return 0, nil, err
	}
	var from int64
	if v := q.Get("from_seq"); v != "" {
		if from, err = strconv.ParseInt(v, 10, 64); err != nil || from < 1 {
			return 0, nil, ledger.Errorf(ledger.EInvalid, "from_seq", "from_seq is a chain position, 1 or more (got %q)", v)
		}
	}
	period, seal := q.Get("period"), strings.TrimSpace(q.Get("seal"))
	switch {
	case seal != "" && period == "":
		return 0, nil, ledger.Errorf(ledger.EInvalid, "seal", "a printed seal is the seal of a closed month: give period too")
	case period != "" && from != 0:
		return 0, nil, ledger.Errorf(ledger.EInvalid, "from_seq", "from_seq and period do not go together: a month's seal is checked from the start of the chain")
	}
	if seal != "" {
		if _, err := ledger.ParseSealHex(seal); err != nil {
			return 0, nil, ledger.Errorf(ledger.EInvalid, "seal", "%s", ledger.ErrorMessage(err))
		}
	}
	var res postgres.VerifyResult
	db, _ := s.readDB(c.r.Context())
	if period != "" {
		m, err := oneMonth(period)
		if err != nil {
			return 0, nil, err
		}
		res, err = db.VerifyPeriod(c.r.Context(), c.user.Book, m.From.Year(), int(m.From.Month()), seal)
		if err != nil {
			return 0, nil, err
		}
	} else if res, err = db.Verify(c.r.Context(), c.user.Book, from); err != nil {
		return 0, nil, err
	}
	if _, err := s.db.RecordVerify(c.r.Context(), c.user.Book, c.user.Name, "http", &res, s.db.Now()); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, verifyAnswer{Clean: res.Clean(), VerifyResult: res}, nil
}
