package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger"
)

// exit prints err and returns the exit status for it.
func (a *app) exit(err error) int {
	if err == nil {
		return exit.OK
	}
	if de, ok := exit.IsDiscrepancy(err); ok {
		if de.Msg != "" {
			fmt.Fprintln(a.stderr, de.Msg)
		}
		return exit.Discrepancy
	}
	var ue *exit.UsageError
	var ce *configs.Error
	switch {
	case errors.As(err, &ue), errors.As(err, &ce), isCobraUsage(err):
		a.printError("usage", "", err.Error())
		return exit.Usage
	}
	code := ledger.ErrorCode(err)
	msg := ledger.ErrorMessage(err)
	if code == ledger.EInternal || code == ledger.EUnavailable {
		msg = err.Error()
	}
	a.printError(code, ledger.ErrorField(err), msg)
	return exit.CodeStatus(err)
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
