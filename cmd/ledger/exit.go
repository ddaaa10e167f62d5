package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// Exit statuses (SPEC §5).
const (
	exitOK          = 0
	exitError       = 1 // internal or I/O error
	exitUsage       = 2
	exitRejected    = 3 // rejected by a rule; the code is printed
	exitDiscrepancy = 4 // reconcile, verify or audit found discrepancies
)

// exitCodes maps SPEC §4 codes to exit statuses; codes not listed are
// rejections by a rule (3).
var exitCodes = map[string]int{
	ledger.EInternal:    exitError,
	ledger.EUnavailable: exitError,
}

// usageError is a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// discrepancyError is returned by reconcile, verify and audit when they
// found problems (exit 4); the command has printed them already.
type discrepancyError struct{ msg string }

func (e *discrepancyError) Error() string { return e.msg }

// exit prints err and returns the exit status for it.
func (a *app) exit(err error) int {
	if err == nil {
		return exitOK
	}
	var de *discrepancyError
	if errors.As(err, &de) {
		if de.msg != "" {
			fmt.Fprintln(a.stderr, de.msg)
		}
		return exitDiscrepancy
	}
	var ue *usageError
	var ce *configError
	switch {
	case errors.As(err, &ue), errors.As(err, &ce), isCobraUsage(err):
		a.printError("usage", "", err.Error())
		return exitUsage
	}
	code := ledger.ErrorCode(err)
	status, ok := exitCodes[code]
	if !ok {
		status = exitRejected
	}
	msg := ledger.ErrorMessage(err)
	if code == ledger.EInternal || code == ledger.EUnavailable {
		msg = err.Error()
	}
	a.printError(code, ledger.ErrorField(err), msg)
	return status
}

func (a *app) printError(code, field, msg string) {
	if a.jsonOut() {
		e := map[string]string{"code": code, "message": msg}
		if field != "" {
			e["field"] = field
		}
		b, _ := json.Marshal(map[string]any{"error": e})
		fmt.Fprintln(a.stdout, string(b))
	}
	if field != "" {
		fmt.Fprintf(a.stderr, "error: %s (field %s): %s\n", code, field, msg)
	} else {
		fmt.Fprintf(a.stderr, "error: %s: %s\n", code, msg)
	}
}

// isCobraUsage recognises cobra's own argument and flag errors.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
