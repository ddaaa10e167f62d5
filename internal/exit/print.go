package exit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"syscall"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// Printer prints the error that ends a command: one line for a person on
// Stderr in Lang, and with JSON the object {"error":{"code","message",
// "field"}} on Stdout, its message in Lang and its code and field English.
type Printer struct {
	Stdout, Stderr io.Writer
	Lang           i18n.Lang
	JSON           bool
}

// Print prints err and returns the exit status for it; usage says the
// caller knows err to be a command-line mistake.
func (p Printer) Print(err error, usage bool) int {
	if err == nil {
		return OK
	}
	if de, ok := IsDiscrepancy(err); ok {
		if de.Msg != "" {
			fmt.Fprintln(p.Stderr, de.Msg)
		}
		return Discrepancy
	}
	var ue *UsageError
	if errors.As(err, &ue) || usage || IsCobraUsage(err) {
		msg := UsageMessage(p.Lang, err)
		p.write("usage", "", msg, i18n.T(p.Lang, "error: usage: %s", msg))
		return Usage
	}
	err = fileError(err)
	code := ledger.ErrorCode(err)
	msg := i18n.Message(p.Lang, err)
	line := i18n.Describe(p.Lang, err)
	if code == ledger.EInternal || code == ledger.EUnavailable {
		// The operator reads the cause: there is no one else to tell.
		msg = i18n.CodeTitle(p.Lang, code) + ": " + err.Error()
		line = i18n.T(p.Lang, "error: %s (%s): %s", i18n.CodeTitle(p.Lang, code), code, err.Error())
	}
	p.write(code, ledger.ErrorField(err), msg, line)
	return CodeStatus(err)
}

func (p Printer) write(code, field, msg, line string) {
	if p.JSON {
		e := map[string]string{"code": code, "message": msg}
		if field != "" {
			e["field"] = field
		}
		b, _ := json.Marshal(map[string]any{"error": e})
		fmt.Fprintln(p.Stdout, string(b))
	}
	fmt.Fprintln(p.Stderr, line)
}

// fileError makes a file that cannot be read a refusal naming the file
// (invalid, field file) instead of an internal error.
func fileError(err error) error {
	var pe *fs.PathError
	var le *ledger.Error
	if errors.As(err, &le) || !errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return ledger.Errorf(ledger.EInvalid, "file", "file %s does not exist", pe.Path).Because(err)
	}
	if errors.Is(err, fs.ErrPermission) {
		return ledger.Errorf(ledger.EInvalid, "file", "file %s may not be read", pe.Path).Because(err)
	}
	if errors.Is(err, syscall.EISDIR) {
		return ledger.Errorf(ledger.EInvalid, "file", "%s is a directory, not a file", pe.Path).Because(err)
	}
	return err
}

// cobraUsage matches cobra's own argument and flag errors, with the
// catalogue key that renders each.
var cobraUsage = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^unknown command (".*") for (".*")`), "unknown command %s for %s"},
	{regexp.MustCompile(`^unknown flag: (.*)`), "unknown flag: %s"},
	{regexp.MustCompile(`^unknown shorthand flag: (.*)`), "unknown shorthand flag: %s"},
	{regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)`), "accepts %s argument(s), received %s"},
	{regexp.MustCompile(`^accepts at most (\d+) arg\(s\), received (\d+)`), "accepts at most %s argument(s), received %s"},
	{regexp.MustCompile(`^requires at least (\d+) arg\(s\), only received (\d+)`), "requires at least %s argument(s), received %s"},
	{regexp.MustCompile(`^flag needs an argument: (.*)`), "flag needs an argument: %s"},
	{regexp.MustCompile(`^invalid argument (.*)`), "invalid argument %s"},
	{regexp.MustCompile(`^required flag\(s\) (.*) not set`), "required flag(s) %s not set"},
}

// IsCobraUsage recognises cobra's own argument and flag errors.
func IsCobraUsage(err error) bool {
	for _, c := range cobraUsage {
		if c.re.MatchString(err.Error()) {
			return true
		}
	}
	return false
}

// UsageMessage is a usage error's text in lang.
func UsageMessage(lang i18n.Lang, err error) string {
	var ue *UsageError
	if errors.As(err, &ue) && ue.Format != "" {
		return i18n.T(lang, ue.Format, ue.Args...)
	}
	s := err.Error()
	for _, c := range cobraUsage {
		if m := c.re.FindStringSubmatch(s); m != nil {
			args := make([]any, len(m)-1)
			for i, a := range m[1:] {
				args[i] = a
			}
			return i18n.T(lang, c.key, args...)
		}
	}
	return s
}
