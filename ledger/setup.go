package ledger

import (
	"sort"
	"strings"
)

// Setup is the static data of one or more books: chart, organisations,
// funds and users (`ledger setup FILE`).
type Setup struct {
	Books []BookSetup
	// RollupReaders let users of upper books read lower books in the
	// roll-up (上级汇总).
	RollupReaders []RollupReader
}

// RollupReader lets Reader, a user of ReaderBook, read Book in the roll-up.
type RollupReader struct {
	Book, ReaderBook, Reader string
}

// BookSetup is one book with its static data.
type BookSetup struct {
	Book     Book
	Accounts []Account
	Orgs     []Organisation
	Funds    []Fund
	Users    []UserSetup
	// ApprovalThreshold is the book-wide default of A-10.
	ApprovalThreshold Money
}

// UserSetup is a user with an optional initial password.
type UserSetup struct {
	User     User
	Password string
}

// CompleteChart derives parents and leaves from the 4-2-2 codes and checks
// the chart: known types and sides, parents present.
func CompleteChart(accounts []Account) (Chart, error) {
	c := Chart{}
	for i := range accounts {
		a := accounts[i]
		if _, dup := c[a.Code]; dup {
			return nil, Errorf(EInvalid, "accounts."+a.Code, "account %s appears twice", a.Code)
		}
		c[a.Code] = &a
	}
	codes := make([]string, 0, len(c))
	for code := range c {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		a := c[code]
		field := "accounts." + code
		if len(code) < 4 || len(code)%2 != 0 || strings.Trim(code, "0123456789") != "" {
			return nil, Errorf(EInvalid, field, "account code %q does not follow the 4-2-2 scheme", code)
		}
		switch a.Type {
		case Asset, Liability, NetAssets, Income, Expense:
		default:
			return nil, Errorf(EInvalid, field+".type", "unknown account type %q", a.Type)
		}
		if a.Side != Debit && a.Side != Credit {
			return nil, Errorf(EInvalid, field+".side", "side must be debit or credit")
		}
		if a.Purpose != "" && !a.Purpose.Valid() {
			return nil, Errorf(EInvalid, field+".purpose", "unknown purpose %q", a.Purpose)
		}
		if len(code) > 4 {
			a.Parent = code[:len(code)-2]
			if c[a.Parent] == nil {
				return nil, Errorf(EInvalid, field, "account %s has no parent %s in the chart", code, a.Parent)
			}
		}
		a.Leaf = true
	}
	for _, a := range c {
		if a.Parent != "" {
			c[a.Parent].Leaf = false
		}
	}
	return c, nil
}
