package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// statusOf is the one table mapping SPEC §4 error codes to HTTP statuses.
//
//   - 400: the request is malformed: bad JSON, a wrong type, an unknown
//     field, a missing or bad parameter, an amount that is not a decimal
//     string with at most 2 places.
//   - 422: the request is well formed but a bookkeeping rule rejects it.
//   - 403: the user may not do this: the role, the organisation scope, or
//     a step of the workflow by a person the rules exclude (maker ≠ checker).
//   - 409: the request conflicts with the current state of a voucher or
//     with an earlier request under the same idempotency key.
//
// A code missing from the table is a rule rejection (422). Two statuses
// come from routing, not from a code: 405 (a known path, another method)
// and 415 (a body that is not JSON); both carry the code invalid.
var statusOf = map[string]int{
	ledger.EInvalid:             http.StatusBadRequest,
	ledger.EInvalidAmount:       http.StatusBadRequest,
	ledger.EUnbalanced:          http.StatusUnprocessableEntity,
	ledger.EInsufficientFunds:   http.StatusUnprocessableEntity,
	ledger.EPurposeNotAllowed:   http.StatusUnprocessableEntity,
	ledger.EPeriodClosed:        http.StatusUnprocessableEntity,
	ledger.EOrgInactive:         http.StatusUnprocessableEntity,
	ledger.ENotFound:            http.StatusNotFound,
	ledger.EUnauthenticated:     http.StatusUnauthorized,
	ledger.EForbidden:           http.StatusForbidden,
	ledger.ESamePerson:          http.StatusForbidden,
	ledger.EInvalidState:        http.StatusConflict,
	ledger.EImmutable:           http.StatusConflict,
	ledger.EIdempotencyConflict: http.StatusConflict,
	ledger.EInProgress:          http.StatusConflict,
	ledger.ETooLarge:            http.StatusRequestEntityTooLarge,
	ledger.ERateLimited:         http.StatusTooManyRequests,
	ledger.EUnavailable:         http.StatusServiceUnavailable,
	ledger.EInternal:            http.StatusInternalServerError,
}

// HTTPStatus returns the HTTP status of an error code.
func HTTPStatus(code string) int {
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusUnprocessableEntity
}

// unavailableMessage is the answer while the database is down, whatever
// the driver's error said (a key of the message catalogue).
const unavailableMessage = "the database is unavailable; retry later"

// ErrorBody is the JSON form of every error answer.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id"`
}

// statusError carries a routing status (405, 415) for an error whose
// code alone would map elsewhere.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func withStatus(status int, err error) error { return &statusError{status, err} }

// errorAnswer turns err into a status and a body that is safe to show: no
// SQL, no internal error text. Internal errors are logged with the request
// id, which the client gets to quote.
func (s *Server) errorAnswer(ctx context.Context, ri *reqInfo, err error) (int, ErrorBody) {
	code := ledger.ErrorCode(err)
	if code == ledger.EInternal && ctx != nil && s.dbDown(ctx) {
		// Connections broken by a database restart surface as assorted
		// driver errors; what the client needs to know is that the
		// database is down.
		code = ledger.EUnavailable
	}
	// The adapter's messages are safe to show: what PostgreSQL says about
	// its tables and keys stays in the error's cause (ledger/postgres,
	// mapError).
	// The message is in the request's language; code and field stay the
	// English names scripts branch on.
	body := ErrorBody{Code: code, Field: ledger.ErrorField(err), Message: i18n.Message(ri.lang, err), RequestID: ri.id}
	switch code {
	case ledger.EInternal:
		body.Message = i18n.T(ri.lang, "internal error; quote the request id %s", ri.id)
		body.Field = ""
		s.log.Error("internal error", "request_id", ri.id, "route", ri.route, "err", err.Error())
	case ledger.EUnavailable:
		body.Message = i18n.Text(ri.lang, unavailableMessage)
		body.Field = ""
		s.log.Warn("database unavailable", "request_id", ri.id, "route", ri.route, "err", err.Error())
	}
	status := HTTPStatus(code)
	var se *statusError
	if errors.As(err, &se) {
		status = se.status
	}
	return status, body
}

// dbDown reports whether the database does not answer a ping within a
// second.
func (s *Server) dbDown(ctx context.Context) bool {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return s.db.Pool.Ping(pctx) != nil
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ri := info(r)
	status, body := s.errorAnswer(r.Context(), ri, err)
	ri.code = body.Code
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, body)
}

// encode marshals v as the API's JSON: no HTML escaping, a final newline.
func encode(v any) []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only values of this package are encoded; they always marshal.
		panic(err)
	}
	return []byte(b.String())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeRaw(w, status, encode(v))
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}
