package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
)

// validID makes a resident card number of 汾阳市 born on birth (YYYYMMDD)
// with the right check character.
func validID(birth, seq string) string {
	first17 := "141182" + birth + seq
	return first17 + string(ledger.IDCheckChar(first17))
}

// wrongCheck is validID with a wrong check character.
func wrongCheck(birth, seq string) string {
	id := validID(birth, seq)
	bad := byte('0')
	if id[17] == '0' {
		bad = '1'
	}
	return id[:17] + string(bad)
}

// idCases are the numbers every path is tried with: "" is accepted.
var idCases = []struct {
	name, kind, number, code string
}{
	{"valid", "", validID("19700101", "123"), ""},
	{"valid with a lower-case x", "", "11010519491231002x", ""},
	{"no number (known by phone)", "", "", ""},
	{"a 港澳居民来往内地通行证", "hk_macao", "H12345678", ""},
	{"wrong check digit", "", wrongCheck("19700101", "123"), ledger.EInvalid},
	{"wrong date (February 30)", "", "141182197002301230", ledger.EInvalid},
	{"wrong length", "", "123", ledger.EInvalid},
	{"17 characters", "", validID("19700101", "123")[:17], ledger.EInvalid},
	{"a resident number as an HK permit", "hk_macao", validID("19700101", "123"), ledger.EInvalid},
	{"an unknown kind", "visa", "E1234567", ledger.EInvalid},
}

// beneficiaryVoucher is a condolence spending of 100.00 by FY-CP-01 paid
// to one person with the document kind and number given.
func beneficiaryVoucher(kind, number string) *ledger.Voucher {
	v := generalVoucher(dr("500102", "FY-CP-01", "FY-UP", "100.00"), cr("121801", "FY-CP-01", "FY-UP", "100.00"))
	v.Beneficiaries = []ledger.Beneficiary{{Name: "张三", Category: "医务人员", IDNumber: number, IDKind: ledger.IDKind(kind), Amount: money("100.00")}}
	return v
}

func TestIDNumbersOnEveryPath(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("1000.00", map[string]string{"FY-CP-01": "1000.00"})
	for i, tc := range idCases {
		// The use case: a voucher with a beneficiary.
		v, err := f.create("wangfang", beneficiaryVoucher(tc.kind, tc.number))
		checkCode(t, tc.name+": voucher", err, tc.code, "beneficiaries[1]."+field(tc.kind))
		if err == nil {
			got, err := f.db.Voucher(f.ctx, book, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantKind := ledger.IDKind(tc.kind)
			if wantKind == "" {
				wantKind = ledger.IDResident
			}
			if b := got.Beneficiaries[0]; b.IDNumber != strings.ToUpper(tc.number) || b.IDKind != wantKind {
				t.Errorf("%s: stored %q (%s), want %q (%s)", tc.name, b.IDNumber, b.IDKind, strings.ToUpper(tc.number), wantKind)
			}
		}
		// The facts: the roster and the members.
		phone := "13900000000"
		err = f.db.AddRosterEntry(f.ctx, book, "wangfang", audit.RosterEntry{Org: "FY-CP-01", Name: "张三" + string(rune('A'+i)), IDNumber: tc.number, IDKind: ledger.IDKind(tc.kind), Phone: phone})
		checkCode(t, tc.name+": roster", err, tc.code, field(tc.kind))
		if tc.number != "" {
			err = f.db.AddMember(f.ctx, book, "wangfang", audit.Member{Org: "FY-CP-01", Name: "李四" + string(rune('A'+i)), IDNumber: tc.number, IDKind: ledger.IDKind(tc.kind)})
			checkCode(t, tc.name+": member", err, tc.code, field(tc.kind))
		}
	}
}

// field is the field a refusal of kind names: an unknown kind is the
// kind's fault, anything else the number's.
func field(kind string) string {
	if kind == "visa" {
		return "id_kind"
	}
	return "id_number"
}

func checkCode(t *testing.T, name string, err error, code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		return
	}
	if ledger.ErrorCode(err) != code || ledger.ErrorField(err) != field {
		t.Errorf("%s: %v (field %q), want %s naming %s", name, err, ledger.ErrorField(err), code, field)
	}
}

// The database refuses the same numbers by itself, as ledger_app.
func TestIDNumbersInTheDatabase(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for _, tc := range idCases {
		kind := tc.kind
		if kind == "" {
			kind = "resident"
		}
		if tc.number == "11010519491231002x" {
			continue // Go writes the canonical X; the database takes only that
		}
		err := f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
			id, err := rawDraft(tx)
			if err != nil {
				return err
			}
			if err := rawLines(tx, id, "500102 FY-CP-01 FY-UP condolence 100 0", "121801 FY-CP-01 FY-UP - 0 100"); err != nil {
				return err
			}
			_, err = tx.Exec(context.Background(), `INSERT INTO voucher_beneficiaries (book, voucher_id, seq, name, id_number, id_kind, amount_fen)
				VALUES ('FY-DFZH', $1, 1, '张三', $2, $3, 100)`, id, tc.number, kind)
			return err
		})
		checkCode(t, tc.name+": raw beneficiary", err, tc.code, field(tc.kind))
		err = f.sql(f.tdb.AppURL, `INSERT INTO beneficiary_roster (book, org, name, id_number, id_kind, phone, created_by, created_at)
			VALUES ('FY-DFZH', 'FY-CP-01', $1, $2, $3, '1', 'wangfang', now())`, "王五"+tc.name, tc.number, kind)
		checkCode(t, tc.name+": raw roster", err, tc.code, field(tc.kind))
		err = f.sql(f.tdb.AppURL, `INSERT INTO org_members (book, org, name, id_number, id_kind, created_by, created_at)
			VALUES ('FY-DFZH', 'FY-CP-01', $1, $2, $3, 'wangfang', now())`, "赵六"+tc.name, tc.number, kind)
		checkCode(t, tc.name+": raw member", err, tc.code, field(tc.kind))
	}
}
