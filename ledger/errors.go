package ledger

import (
	"errors"
	"fmt"
)

// Error codes of SPEC §4. They are part of the product contract: users and
// scripts branch on them, so they are append-only and never renamed.
const (
	EInvalidAmount       = "invalid_amount"
	EUnbalanced          = "unbalanced"
	EInsufficientFunds   = "insufficient_funds"
	EPurposeNotAllowed   = "purpose_not_allowed"
	EPeriodClosed        = "period_closed"
	EOrgInactive         = "org_inactive"
	ENotFound            = "not_found"
	EUnauthenticated     = "unauthenticated"
	EForbidden           = "forbidden"
	ESamePerson          = "same_person"
	EInvalidState        = "invalid_state"
	EImmutable           = "immutable"
	EIdempotencyConflict = "idempotency_conflict"
	ETooLarge            = "too_large"
	ERateLimited         = "rate_limited"
	EUnavailable         = "unavailable"
	EInvalid             = "invalid"
	EInternal            = "internal"
	// EInProgress: a request with the same idempotency key is still being
	// processed (or was left pending by a crash and is not yet taken over);
	// retry after the Retry-After delay.
	EInProgress = "in_progress"
)

// Error is the one error type of the ledger. Code is a SPEC §4 code, Op the
// operation that failed, Field the input field at fault (if any), Msg a
// message for the user in English, Err an underlying cause that is never
// shown to API clients.
//
// Format and Args are what Msg was made from: the English format is the key
// of the message catalogue (ledger/i18n), which renders the same arguments in
// the reader's language. An Error built without Errorf has no Format and is
// shown as its Msg.
type Error struct {
	Code   string
	Op     string
	Field  string
	Msg    string
	Err    error
	Format string
	Args   []any
}

func (e *Error) Error() string {
	s := e.Code
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Because records err as the cause of e (logged, never shown) and returns e.
func (e *Error) Because(err error) *Error {
	e.Err = err
	return e
}

// Refile returns err's message under another code and field, keeping its
// format and arguments so that it is still translated: the edges use it when
// a parser's refusal becomes the refusal of a named request field. An error
// that is no *Error keeps its text.
func Refile(err error, code, field string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Code: code, Field: field, Msg: e.Msg, Format: e.Format, Args: e.Args}
	}
	return &Error{Code: code, Field: field, Msg: err.Error()}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil
// and EInternal for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMessage returns the user-facing message of err: the Msg of its
// *Error, or a generic text for internal errors (whose detail is logged,
// never shown).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Msg != "" {
			return e.Msg
		}
		return e.Code
	}
	return "internal error"
}
