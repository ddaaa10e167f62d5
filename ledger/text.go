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

// textField is one text input and whether it may span lines.
type textField struct {
	name, value string
	multiline   bool
}

func checkTexts(fs []textField) error {
	for _, f := range fs {
		if err := CheckText(f.name, f.value, f.multiline); err != nil {
			return err
		}
	}
	return nil
}

// CheckVoucherText checks every text of a voucher with CheckText: the one
// gate for the API, the command line, voucher files and imports, since each
// reaches ValidateVoucher. The memo and a beneficiary's reason may span
// lines.
func CheckVoucherText(v *Voucher) error {
	fs := []textField{{"type", v.Type, false}, {"summary", v.Summary, false}, {"decision", v.Decision, false},
		{"payee", v.Payee, false}, {"payee_type", v.PayeeType, false}, {"method", v.Method, false},
		{"flow", v.Flow, false}, {"memo", v.Memo, true}, {"key", v.Key, false}}
	for i, d := range v.DocTypes {
		fs = append(fs, textField{fmt.Sprintf("doc_types[%d]", i+1), d, false})
	}
	for i := range v.Lines {
		l := &v.Lines[i]
		p := fmt.Sprintf("lines[%d].", i+1)
		fs = append(fs, textField{p + "summary", l.Summary, false}, textField{p + "account", l.Account, false},
			textField{p + "org", l.Org, false}, textField{p + "fund", l.Fund, false}, textField{p + "purpose", string(l.Purpose), false})
	}
	for i := range v.Beneficiaries {
		b := &v.Beneficiaries[i]
		p := fmt.Sprintf("beneficiaries[%d].", i+1)
		fs = append(fs, textField{p + "name", b.Name, false}, textField{p + "category", b.Category, false},
			textField{p + "id_number", b.IDNumber, false}, textField{p + "phone", b.Phone, false}, textField{p + "reason", b.Reason, true})
	}
	return checkTexts(fs)
}

// CheckUserText checks the texts of a user: name, full name and scope.
func CheckUserText(u *User) error {
	return checkTexts([]textField{{"name", u.Name, false}, {"full_name", u.FullName, false}, {"scope", u.Scope, false}})
}

// CheckSetupText checks every text of a set-up file: books, accounts,
// organisations, funds and users.
func CheckSetupText(s *Setup) error {
	var fs []textField
	for bi := range s.Books {
		bs := &s.Books[bi]
		p := fmt.Sprintf("books[%d].", bi)
		b := &bs.Book
		fs = append(fs, textField{p + "code", b.Code, false}, textField{p + "name", b.Name, false},
			textField{p + "bank_name", b.BankName, false}, textField{p + "bank_account", b.BankAccount, false},
			textField{p + "time_zone", b.TimeZone, false})
		for i, t := range b.VoucherTypes {
			fs = append(fs, textField{fmt.Sprintf("%svoucher_types[%d]", p, i), t, false})
		}
		for i, a := range bs.Accounts {
			q := fmt.Sprintf("%saccounts[%d].", p, i)
			fs = append(fs, textField{q + "code", a.Code, false}, textField{q + "name", a.Name, false})
		}
		for i, o := range bs.Orgs {
			q := fmt.Sprintf("%sorganisations[%d].", p, i)
			fs = append(fs, textField{q + "code", o.Code, false}, textField{q + "name", o.Name, false},
				textField{q + "parent", o.Parent, false}, textField{q + "category", o.Category, false},
				textField{q + "host_unit", o.HostUnit, false}, textField{q + "secretary", o.Secretary, false})
		}
		for i, f := range bs.Funds {
			q := fmt.Sprintf("%sfunds[%d].", p, i)
			fs = append(fs, textField{q + "code", f.Code, false}, textField{q + "name", f.Name, false}, textField{q + "project", f.Project, false})
		}
		for i, u := range bs.Users {
			q := fmt.Sprintf("%susers[%d].", p, i)
			fs = append(fs, textField{q + "name", u.User.Name, false}, textField{q + "full_name", u.User.FullName, false},
				textField{q + "scope", u.User.Scope, false})
		}
	}
	return checkTexts(fs)
}
