package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	pathpkg "path"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fenyang/partyfee/ledger"
)

type setupFile struct {
	// Include names setup files whose books come first (e.g. a province's
	// setup including a city's), resolved like a book's chart file.
	Include []string   `yaml:"include"`
	Books   []bookFile `yaml:"books"`
	// RollupReaders: which users of an upper book may read a lower book in
	// the roll-up (上级汇总), as BOOK/USER per lower book.
	RollupReaders []readerFile `yaml:"rollup_readers"`
}

type readerFile struct {
	Book   string `yaml:"book"`
	Reader string `yaml:"reader"`
}

type bookFile struct {
	Code               string     `yaml:"code"`
	Name               string     `yaml:"name"`
	BankName           string     `yaml:"bank_name"`
	BankAccount        string     `yaml:"bank_account"`
	RequireCashierSign *bool      `yaml:"require_cashier_sign"`
	VoucherTypes       []string   `yaml:"voucher_types"`
	ApprovalThreshold  string     `yaml:"approval_threshold"`
	TimeZone           string     `yaml:"time_zone"`
	FirstPeriod        string     `yaml:"first_period"`
	DateDaysAhead      *int       `yaml:"date_days_ahead"`
	VoucherAmountMax   string     `yaml:"voucher_amount_max"`
	Chart              string     `yaml:"chart"` // a chart file; empty: the embedded default
	Accounts           []accountF `yaml:"accounts"`
	Organisations      []orgFile  `yaml:"organisations"`
	Funds              []fundFile `yaml:"funds"`
	Users              []userFile `yaml:"users"`
}

type accountF struct {
	Code       string `yaml:"code"`
	Name       string `yaml:"name"`
	Type       string `yaml:"type"`
	Side       string `yaml:"side"`
	Purpose    string `yaml:"purpose"`
	Restricted bool   `yaml:"restricted"`
	Cash       bool   `yaml:"cash"`
}

type orgFile struct {
	Code              string `yaml:"code"`
	Name              string `yaml:"name"`
	Kind              string `yaml:"kind"`
	Parent            string `yaml:"parent"`
	Category          string `yaml:"category"`
	HostUnit          string `yaml:"host_unit"`
	Secretary         string `yaml:"secretary"`
	SetUp             string `yaml:"set_up"`
	Dissolved         string `yaml:"dissolved"`
	ApprovalThreshold string `yaml:"approval_threshold"`
}

type fundFile struct {
	Code     string   `yaml:"code"`
	Name     string   `yaml:"name"`
	Kind     string   `yaml:"kind"`
	Project  string   `yaml:"project"`
	Purposes []string `yaml:"purposes"`
}

type userFile struct {
	Name     string   `yaml:"name"`
	FullName string   `yaml:"full_name"`
	Roles    []string `yaml:"roles"`
	Scope    string   `yaml:"scope"`
	Password string   `yaml:"password"`
}

type chartFile struct {
	Accounts []accountF `yaml:"accounts"`
}

// bookLimits reads a book's time zone, first period, date window and
// ceiling for one voucher, with their defaults.
func bookLimits(b *ledger.Book, bf bookFile, p string) error {
	b.TimeZone, b.DateDaysAhead, b.VoucherAmountMax = ledger.TimeZoneDefault, ledger.DateDaysAheadDefault, ledger.VoucherAmountMaxDefault
	if bf.TimeZone != "" {
		if _, err := time.LoadLocation(bf.TimeZone); err != nil || bf.TimeZone == "Local" {
			return ledger.Errorf(ledger.EInvalid, p+".time_zone", "%q is not a time zone name such as Asia/Shanghai", bf.TimeZone)
		}
		b.TimeZone = bf.TimeZone
	}
	if bf.FirstPeriod != "" {
		pr, err := ledger.ParsePeriod(bf.FirstPeriod)
		if err != nil || len(pr.Months()) != 1 {
			return ledger.Errorf(ledger.EInvalid, p+".first_period", "first_period is a month such as 2020-01, not %q", bf.FirstPeriod)
		}
		b.FirstPeriod = pr.From
	}
	if bf.DateDaysAhead != nil {
		if *bf.DateDaysAhead < 0 || *bf.DateDaysAhead > ledger.DateDaysAheadMax {
			return ledger.Errorf(ledger.EInvalid, p+".date_days_ahead", "date_days_ahead is between 0 and %d", ledger.DateDaysAheadMax)
		}
		b.DateDaysAhead = *bf.DateDaysAhead
	}
	if bf.VoucherAmountMax != "" {
		m, err := ledger.ParseAmount(bf.VoucherAmountMax)
		if err != nil {
			return ledger.Errorf(ledger.EInvalidAmount, p+".voucher_amount_max", "%s", ledger.ErrorMessage(err))
		}
		b.VoucherAmountMax = m
	}
	return nil
}

// strictDecode decodes YAML rejecting unknown keys; errors name the file.
func strictDecode(data []byte, name string, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return &ledger.Error{Code: ledger.EInvalid, Field: name, Msg: fmt.Sprintf("%s: %s", name, msg)}
	}
	return nil
}

// ParseChart parses a chart of accounts file.
func ParseChart(data []byte, name string) (ledger.Chart, []ledger.Account, error) {
	var f chartFile
	if err := strictDecode(data, name, &f); err != nil {
		return nil, nil, err
	}
	return chartFromFile(f.Accounts)
}

func chartFromFile(in []accountF) (ledger.Chart, []ledger.Account, error) {
	accts := make([]ledger.Account, len(in))
	for i, a := range in {
		accts[i] = ledger.Account{Code: a.Code, Name: a.Name, Type: ledger.AccountType(a.Type), Side: ledger.Side(a.Side),
			Purpose: ledger.Purpose(a.Purpose), Restricted: a.Restricted, Cash: a.Cash}
	}
	c, err := ledger.CompleteChart(accts)
	if err != nil {
		return nil, nil, err
	}
	for i := range accts {
		accts[i] = *c[accts[i].Code]
	}
	return c, accts, nil
}

func parseDate(s, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, ledger.Errorf(ledger.EInvalid, field, "%s: %q is not a date (YYYY-MM-DD)", field, s)
	}
	return t, nil
}

// ParseSetup parses a setup file (`ledger setup FILE`, configs/demo/*.yaml).
// readFile resolves a book's `chart:` file; nil allows only the default.
func ParseSetup(data []byte, name string, readFile func(string) ([]byte, error)) (*ledger.Setup, error) {
	var f setupFile
	if err := strictDecode(data, name, &f); err != nil {
		return nil, err
	}
	s := &ledger.Setup{}
	for i, inc := range f.Include {
		if readFile == nil {
			return nil, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("include[%d]", i), "%s: included files are not allowed here", name)
		}
		data, err := readFile(inc)
		if err != nil {
			return nil, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("include[%d]", i), "%s: %v", name, err)
		}
		in, err := ParseSetup(data, inc, readFile)
		if err != nil {
			return nil, err
		}
		s.Books = append(s.Books, in.Books...)
		s.RollupReaders = append(s.RollupReaders, in.RollupReaders...)
	}
	if len(f.Books) == 0 && len(s.Books) == 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "books", "%s defines no book", name)
	}
	for i, r := range f.RollupReaders {
		rb, ru, ok := strings.Cut(r.Reader, "/")
		if r.Book == "" || !ok || rb == "" || ru == "" || rb == r.Book {
			return nil, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("rollup_readers[%d]", i),
				"%s: a roll-up reader is {book: LOWER, reader: UPPER-BOOK/USER}", name)
		}
		s.RollupReaders = append(s.RollupReaders, ledger.RollupReader{Book: r.Book, ReaderBook: rb, Reader: ru})
	}
	for bi, bf := range f.Books {
		p := fmt.Sprintf("books[%d]", bi)
		if bf.Code == "" || bf.Name == "" {
			return nil, ledger.Errorf(ledger.EInvalid, p+".code", "%s: every book has a code and a name", name)
		}
		bs := ledger.BookSetup{Book: ledger.Book{Code: bf.Code, Name: bf.Name, BankName: bf.BankName, BankAccount: bf.BankAccount,
			RequireCashierSign: bf.RequireCashierSign == nil || *bf.RequireCashierSign, VoucherTypes: bf.VoucherTypes}}
		if len(bs.Book.VoucherTypes) == 0 {
			bs.Book.VoucherTypes = []string{"记"}
		}
		bs.ApprovalThreshold = ledger.MustParseMoney("1000.00")
		if bf.ApprovalThreshold != "" {
			m, err := ledger.ParseAmount(bf.ApprovalThreshold)
			if err != nil {
				return nil, ledger.Errorf(ledger.EInvalidAmount, p+".approval_threshold", "%s", ledger.ErrorMessage(err))
			}
			bs.ApprovalThreshold = m
		}
		if err := bookLimits(&bs.Book, bf, p); err != nil {
			return nil, err
		}
		var err error
		switch {
		case len(bf.Accounts) > 0:
			_, bs.Accounts, err = chartFromFile(bf.Accounts)
		case bf.Chart != "":
			if readFile == nil {
				return nil, ledger.Errorf(ledger.EInvalid, p+".chart", "chart files are not allowed here")
			}
			data, rerr := readFile(bf.Chart)
			if rerr != nil {
				return nil, ledger.Errorf(ledger.EInvalid, p+".chart", "%v", rerr)
			}
			_, bs.Accounts, err = ParseChart(data, bf.Chart)
		default:
			_, bs.Accounts, err = ParseChart(Chart(), "chart.yaml")
		}
		if err != nil {
			return nil, err
		}
		orgs := map[string]*ledger.Organisation{}
		for i, of := range bf.Organisations {
			op := fmt.Sprintf("%s.organisations[%d]", p, i)
			o := ledger.Organisation{Code: of.Code, Name: of.Name, Kind: ledger.OrgKind(of.Kind), Parent: of.Parent, Book: bf.Code,
				Category: of.Category, HostUnit: of.HostUnit, Secretary: of.Secretary}
			if o.SetUp, err = parseDate(of.SetUp, op+".set_up"); err != nil {
				return nil, err
			}
			if of.Dissolved != "" {
				d, err := parseDate(of.Dissolved, op+".dissolved")
				if err != nil {
					return nil, err
				}
				o.Dissolved = &d
			}
			if of.ApprovalThreshold != "" {
				m, err := ledger.ParseAmount(of.ApprovalThreshold)
				if err != nil {
					return nil, ledger.Errorf(ledger.EInvalidAmount, op+".approval_threshold", "%s", ledger.ErrorMessage(err))
				}
				o.ApprovalThreshold = &m
			}
			if o.Code == "" {
				return nil, ledger.Errorf(ledger.EInvalid, op+".code", "an organisation has no code")
			}
			if orgs[o.Code] != nil {
				return nil, ledger.Errorf(ledger.EInvalid, op+".code", "organisation %s appears twice", o.Code)
			}
			bs.Orgs = append(bs.Orgs, o)
			orgs[o.Code] = &bs.Orgs[len(bs.Orgs)-1]
		}
		orgs = map[string]*ledger.Organisation{}
		for i := range bs.Orgs {
			orgs[bs.Orgs[i].Code] = &bs.Orgs[i]
		}
		if err := ledger.ValidateOrganisations(orgs); err != nil {
			return nil, err
		}
		for i, ff := range bf.Funds {
			fp := fmt.Sprintf("%s.funds[%d]", p, i)
			fd := ledger.Fund{Code: ff.Code, Name: ff.Name, Kind: ledger.FundKind(ff.Kind), Project: ff.Project, Book: bf.Code}
			if fd.Code == "" || fd.Name == "" {
				return nil, ledger.Errorf(ledger.EInvalid, fp+".code", "a fund has a code and a name")
			}
			if !fd.Kind.Valid() {
				return nil, ledger.Errorf(ledger.EInvalid, fp+".kind", "fund %s: unknown kind %q (upper, matching, general, donation)", fd.Code, ff.Kind)
			}
			for _, ps := range ff.Purposes {
				pu, err := ledger.ParsePurpose(ps)
				if err != nil {
					return nil, ledger.Errorf(ledger.EPurposeNotAllowed, fp+".purposes", "fund %s: %s", fd.Code, ledger.ErrorMessage(err))
				}
				fd.Purposes = append(fd.Purposes, pu)
			}
			if fd.Kind == ledger.FundDonation && len(fd.Purposes) > 0 {
				return nil, ledger.Errorf(ledger.EPurposeNotAllowed, fp+".purposes", "fund %s: donations are never spent locally and have no purposes", fd.Code)
			}
			bs.Funds = append(bs.Funds, fd)
		}
		for i, uf := range bf.Users {
			up := fmt.Sprintf("%s.users[%d]", p, i)
			u := ledger.User{Name: uf.Name, FullName: uf.FullName, Scope: uf.Scope, Book: bf.Code}
			if u.Name == "" || u.Name == ledger.SystemUser {
				return nil, ledger.Errorf(ledger.EInvalid, up+".name", "a user needs a name other than %q", ledger.SystemUser)
			}
			for _, r := range uf.Roles {
				if !ledger.Role(r).Valid() {
					return nil, ledger.Errorf(ledger.EInvalid, up+".roles", "user %s: unknown role %q", u.Name, r)
				}
				u.Roles = append(u.Roles, ledger.Role(r))
			}
			if len(u.Roles) == 0 {
				return nil, ledger.Errorf(ledger.EInvalid, up+".roles", "user %s has no role", u.Name)
			}
			if u.Scope != "" && orgs[u.Scope] == nil {
				return nil, ledger.Errorf(ledger.ENotFound, up+".scope", "user %s: scope %s is not an organisation", u.Name, u.Scope)
			}
			bs.Users = append(bs.Users, ledger.UserSetup{User: u, Password: uf.Password})
		}
		s.Books = append(s.Books, bs)
	}
	return s, nil
}

// ReadSetup reads and parses a setup file from disk, its included and
// chart files relative to it; a path under configs/ that is not on disk
// (the binary run outside the repository) is read from the embedded copy,
// e.g. configs/demo/shanxi.yaml.
func ReadSetup(path string) (*ledger.Setup, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		dir := filepath.Dir(path)
		return ParseSetup(data, path, func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) })
	}
	rel, ok := strings.CutPrefix(filepath.ToSlash(path), "configs/")
	if !ok {
		return nil, err
	}
	data, ferr := Read(rel)
	if ferr != nil {
		return nil, err
	}
	dir := pathpkg.Dir(rel)
	return ParseSetup(data, path, func(name string) ([]byte, error) { return Read(pathpkg.Join(dir, name)) })
}
