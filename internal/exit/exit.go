// Package exit holds the exit statuses of the ledger command (SPEC §5) and
// the two errors that are not rejections by a rule: a usage error and the
// discrepancies a check found. The command maps every error to a status
// with Status; the packages below it (the bench harness, the demo) return
// these errors without knowing how the command prints them.
package exit

import (
	"errors"
	"fmt"

	"github.com/fenyang/partyfee/ledger"
)

// Exit statuses (SPEC §5).
const (
	OK          = 0
	Error       = 1 // internal or I/O error
	Usage       = 2
	Rejected    = 3 // rejected by a rule; the code is printed
	Discrepancy = 4 // reconcile, verify, audit or bench found discrepancies
)

// codeStatus maps SPEC §4 codes to exit statuses; codes not listed are
// rejections by a rule (Rejected).
var codeStatus = map[string]int{
	ledger.EInternal:    Error,
	ledger.EUnavailable: Error,
}

// UsageError is a command-line mistake (exit status 2). Format and Args,
// when set, render Msg in another language through the catalogue.
type UsageError struct {
	Msg    string
	Format string
	Args   []any
}

func (e *UsageError) Error() string { return e.Msg }

// Usagef makes a UsageError; format is a key of the message catalogue.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// DiscrepancyError is returned by reconcile, verify, audit and bench when
// they found problems (exit status 4); the command has printed them
// already, Msg is a last line for stderr ("" for none).
type DiscrepancyError struct{ Msg string }

func (e *DiscrepancyError) Error() string { return e.Msg }

// CodeStatus is the exit status of an error that is neither a usage error
// nor a discrepancy: 1 for internal and unavailable, 3 for the rest.
func CodeStatus(err error) int {
	if s, ok := codeStatus[ledger.ErrorCode(err)]; ok {
		return s
	}
	return Rejected
}

// IsDiscrepancy reports whether err is a DiscrepancyError and returns it.
func IsDiscrepancy(err error) (*DiscrepancyError, bool) {
	var de *DiscrepancyError
	ok := errors.As(err, &de)
	return de, ok
}
