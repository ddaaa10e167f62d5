package ledger

import (
	"fmt"
	"unicode/utf8"
)

// CheckText refuses text that a person did not type: invalid UTF-8 (a GBK
// body sent as UTF-8 would be stored as U+FFFD), C0 and C1 control
// characters and DEL (a NUL byte PostgreSQL refuses; an ANSI escape would
// repaint an officer's terminal), and the bidirectional overrides that make
// text read otherwise than it is stored. Tab and newline (LF, or CR LF as
// browsers send a text area) pass in multi-line fields only. The error is
// `invalid` and names field.
func CheckText(field, s string, multiline bool) error {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return Errorf(EInvalid, field, "%s is not valid UTF-8 text (byte %d); send UTF-8", field, i+1)
		}
		switch {
		case multiline && (r == '\t' || r == '\n'):
		case multiline && r == '\r' && i+1 < len(s) && s[i+1] == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return Errorf(EInvalid, field, "%s holds the control character %s at character %d", field, fmt.Sprintf("U+%04X", r), utf8.RuneCountInString(s[:i])+1)
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return Errorf(EInvalid, field, "%s holds the direction override %s at character %d", field, fmt.Sprintf("U+%04X", r), utf8.RuneCountInString(s[:i])+1)
		}
		i += size
	}
	return nil
}
