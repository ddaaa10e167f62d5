package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

var (
	attPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	attPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
)

func mustAttachment(t testing.TB, name string, data []byte) *ledger.Attachment {
	t.Helper()
	a, err := ledger.NewAttachment(name, data, ledger.DefaultAttachmentLimits())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// attachFixture is a fixture with a spend draft of FY-CP-01 made by
// wangfang, with money to post it.
func attachFixture(t *testing.T, mod func(*ledger.BookSetup)) (*fixture, *ledger.Voucher) {
	t.Helper()
	f := newFixture(t, mod)
	f.fund("10000.00", map[string]string{"FY-CP-01": "5000.00"})
	return f, f.mustFlow("wangfang", sealSpend("FY-CP-01", "120.00"))
}

func TestAttachFile(t *testing.T) {
	t.Parallel()
	f, v := attachFixture(t, nil)
	a1, err := f.db.AttachFile(f.ctx, book, "wangfang", v.ID, mustAttachment(t, "发票.pdf", attPDF))
	if err != nil {
		t.Fatal(err)
	}
	a2, err := f.db.AttachFile(f.ctx, book, "wangfang", v.ID, mustAttachment(t, "签收单.png", attPNG))
	if err != nil {
		t.Fatal(err)
	}
	if a1.No != 1 || a2.No != 2 || a2.UploadedBy != "wangfang" || a1.Data != nil {
		t.Fatalf("attached %+v, %+v", a1, a2)
	}
	list, err := f.db.Attachments(f.ctx, book, v.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if list[0].FileName != "发票.pdf" || list[0].MediaType != "application/pdf" || list[0].SHA256 != sha256.Sum256(attPDF) ||
		list[1].MediaType != "image/png" || list[1].Size != int64(len(attPNG)) || list[0].Data != nil {
		t.Fatalf("list: %+v", list)
	}
	got, err := f.db.Attachment(f.ctx, book, v.ID, 2)
	if err != nil || !bytes.Equal(got.Data, attPNG) || got.FileName != "签收单.png" {
		t.Fatalf("download: %v %+v", err, got)
	}
	if _, err := f.db.Attachment(f.ctx, book, v.ID, 3); ledger.ErrorCode(err) != ledger.ENotFound {
		t.Fatalf("file 3: %v", err)
	}
	read, err := f.db.Voucher(f.ctx, book, v.ID)
	if err != nil || read.Files != 2 {
		t.Fatalf("voucher files: %v %d", err, read.Files)
	}
	if n := f.count(`SELECT count(*) FROM actions WHERE book = $1 AND voucher_id = $2 AND action = 'attach' AND detail->>'sha256' = $3`,
		book, v.ID, list[0].SHA256Hex()); n != 1 {
		t.Fatalf("%d attach actions with the first file's hash", n)
	}
	// An admin attaches too; the seal of the posted voucher covers the files.
	if _, err := f.db.AttachFile(f.ctx, book, "sunlixin", v.ID, mustAttachment(t, "补充.pdf", attPDF)); err != nil {
		t.Fatalf("admin: %v", err)
	}
	if err := f.approve(v); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SealPending(f.ctx, book); err != nil {
		t.Fatal(err)
	}
	checkChain(t, f)
	verifyClean(t, f)
	if n := f.count(`SELECT count(*) FROM voucher_seals WHERE book = $1 AND version = 2`, book); n == 0 {
		t.Fatal("no seal of version 2")
	}
}

func TestAttachFileRefused(t *testing.T) {
	t.Parallel()
	f, v := attachFixture(t, withScopedOfficer("zhangli", "FY-CP-02"))
	pdf := mustAttachment(t, "发票.pdf", attPDF)
	cases := []struct {
		name, actor string
		id          int64
		code, field string
	}{
		{"another officer", "liuyang", v.ID, ledger.ESamePerson, "user"},
		{"an officer out of scope", "zhangli", v.ID, ledger.EForbidden, "lines[1].org"},
		{"an auditor", "fengqing", v.ID, ledger.EForbidden, "user"},
		{"a checker", "liqiang", v.ID, ledger.EForbidden, "user"},
		{"no such voucher", "wangfang", v.ID + 1000, ledger.ENotFound, "id"},
	}
	for _, c := range cases {
		_, err := f.db.AttachFile(f.ctx, book, c.actor, c.id, pdf)
		wantCode(t, err, c.code, c.field)
	}
	f.mustStep("liqiang", v.ID, ledger.ActCheck)
	_, err := f.db.AttachFile(f.ctx, book, "wangfang", v.ID, pdf)
	wantCode(t, err, ledger.EInvalidState, "status")
	if n := f.count(`SELECT count(*) FROM voucher_attachments WHERE book = $1`, book); n != 0 {
		t.Fatalf("%d files stored by refused requests", n)
	}
}

// withScopedOfficer adds an officer whose scope is org.
func withScopedOfficer(name, org string) func(*ledger.BookSetup) {
	return func(bs *ledger.BookSetup) {
		bs.Users = append(bs.Users, ledger.UserSetup{User: ledger.User{Name: name, FullName: name, Roles: []ledger.Role{ledger.RoleOfficer}, Scope: org, Book: book}})
	}
}

// rawAttach inserts a file row as the application role in raw SQL.
func (f *fixture) rawAttach(id int64, no int, by, media string, data []byte, sum []byte) error {
	f.t.Helper()
	if sum == nil {
		s := sha256.Sum256(data)
		sum = s[:]
	}
	return f.sql(f.tdb.AppURL, `INSERT INTO voucher_attachments (book, voucher_id, no, file_name, media_type, size, sha256, data, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, 'scan', $4, $5, $6, $7, $8, now())`, book, id, no, media, len(data), sum, data, by)
}

func TestDatabaseAttachments(t *testing.T) {
	t.Parallel()
	f, v := attachFixture(t, withScopedOfficer("zhangli", "FY-CP-02"))
	if err := f.rawAttach(v.ID, 1, "wangfang", "application/pdf", attPDF, nil); err != nil {
		t.Fatalf("raw attach: %v", err)
	}
	wrong := sha256.Sum256([]byte("another file"))
	for _, c := range []struct {
		name        string
		err         error
		code, field string
	}{
		{"a PNG's bytes as a PDF", f.rawAttach(v.ID, 2, "wangfang", "application/pdf", attPNG, nil), ledger.EInvalid, "file"},
		{"text as a PDF", f.rawAttach(v.ID, 2, "wangfang", "application/pdf", []byte("hello"), nil), ledger.EInvalid, "file"},
		{"another file's hash", f.rawAttach(v.ID, 2, "wangfang", "application/pdf", attPDF, wrong[:]), ledger.EInvalid, "file"},
		{"a number skipped", f.rawAttach(v.ID, 3, "wangfang", "application/pdf", attPDF, nil), ledger.EInvalid, "no"},
		{"another officer", f.rawAttach(v.ID, 2, "liuyang", "application/pdf", attPDF, nil), ledger.ESamePerson, "user"},
		{"a checker", f.rawAttach(v.ID, 2, "liqiang", "application/pdf", attPDF, nil), ledger.EForbidden, "user"},
		{"out of scope", f.rawAttach(v.ID, 2, "zhangli", "application/pdf", attPDF, nil), ledger.EForbidden, "user"},
		{"the application updates a file", f.sql(f.tdb.AppURL, `UPDATE voucher_attachments SET file_name = 'x' WHERE voucher_id = $1`, v.ID), ledger.EForbidden, ""},
		{"the application deletes a file", f.sql(f.tdb.AppURL, `DELETE FROM voucher_attachments WHERE voucher_id = $1`, v.ID), ledger.EForbidden, ""},
	} {
		if ledger.ErrorCode(c.err) != c.code || ledger.ErrorField(c.err) != c.field {
			t.Errorf("%s: %v, want %s on %s", c.name, c.err, c.code, c.field)
		}
	}
	// Checked: no new file, and even the owner changes or deletes none.
	f.mustStep("liqiang", v.ID, ledger.ActCheck)
	wantCode(t, f.rawAttach(v.ID, 2, "wangfang", "application/pdf", attPDF, nil), ledger.EInvalidState, "status")
	wantCode(t, f.sql(f.tdb.OwnerURL, `UPDATE voucher_attachments SET file_name = 'x' WHERE voucher_id = $1`, v.ID), ledger.EImmutable, "attachments")
	wantCode(t, f.sql(f.tdb.OwnerURL, `DELETE FROM voucher_attachments WHERE voucher_id = $1`, v.ID), ledger.EImmutable, "attachments")
	if n := f.count(`SELECT count(*) FROM voucher_attachments WHERE book = $1 AND file_name = 'scan'`, book); n != 1 {
		t.Fatalf("%d files, want the one attached", n)
	}
}

// The auditor role reads the hashes and metadata and the hash of the
// stored bytes, never the bytes.
func TestAuditorSeesHashesNotBytes(t *testing.T) {
	t.Parallel()
	f, v := attachFixture(t, nil)
	if _, err := f.db.AttachFile(f.ctx, book, "wangfang", v.ID, mustAttachment(t, "发票.pdf", attPDF)); err != nil {
		t.Fatal(err)
	}
	asAuditor := func(sql string, dst ...any) error {
		return f.inTx(f.tdb.SuperURL, func(tx pgx.Tx) error {
			if _, err := tx.Exec(context.Background(), `SET LOCAL ROLE ledger_auditor`); err != nil {
				return err
			}
			return tx.QueryRow(context.Background(), sql, v.ID).Scan(dst...)
		})
	}
	var name string
	var sum, dataSum []byte
	if err := asAuditor(`SELECT file_name, sha256 FROM voucher_attachments WHERE voucher_id = $1`, &name, &sum); err != nil {
		t.Fatalf("auditor reads metadata: %v", err)
	}
	want := sha256.Sum256(attPDF)
	if name != "发票.pdf" || !bytes.Equal(sum, want[:]) {
		t.Fatalf("auditor read %q %x", name, sum)
	}
	if err := asAuditor(`SELECT sha256, data_sha256 FROM voucher_attachment_digests WHERE voucher_id = $1`, &sum, &dataSum); err != nil || !bytes.Equal(dataSum, want[:]) {
		t.Fatalf("auditor reads the digests: %v %x", err, dataSum)
	}
	var data []byte
	err := asAuditor(`SELECT data FROM voucher_attachments WHERE voucher_id = $1`, &data)
	wantCode(t, postgres.MapError(err), ledger.EForbidden, "")
}

// A changed attachment of a posted voucher is found by verify, named
// attachment_changed: its bytes and hash replaced together (the seal no
// longer matches, the attach record of the action log does), or its bytes
// alone (they no longer have the stored hash).
func TestVerifyAttachmentChanged(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		tamper []string
	}{
		{"bytes and hash", []string{
			`UPDATE voucher_attachments SET data = overlay(data placing '\x37'::bytea from 10 for 1), sha256 = sha256(overlay(data placing '\x37'::bytea from 10 for 1)) WHERE voucher_id = %d AND no = 1`}},
		{"bytes alone", []string{
			`ALTER TABLE voucher_attachments DROP CONSTRAINT voucher_attachments_hash`,
			`UPDATE voucher_attachments SET data = overlay(data placing '\x37'::bytea from 10 for 1) WHERE voucher_id = %d AND no = 1`}},
		{"a file removed", []string{`DELETE FROM voucher_attachments WHERE voucher_id = %d AND no = 2`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, v := attachFixture(t, nil)
			for _, a := range []*ledger.Attachment{mustAttachment(t, "发票.pdf", attPDF), mustAttachment(t, "签收单.png", attPNG)} {
				if _, err := f.db.AttachFile(f.ctx, book, "wangfang", v.ID, a); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.approve(v); err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.SealPending(f.ctx, book); err != nil {
				t.Fatal(err)
			}
			verifyClean(t, f)
			var stmts []string
			for _, s := range c.tamper {
				if bytes.Contains([]byte(s), []byte("%d")) {
					s = fmt.Sprintf(s, v.ID)
				}
				stmts = append(stmts, s)
			}
			tamper(t, f, stmts...)
			res, err := f.db.Verify(f.ctx, book, 0)
			if err != nil {
				t.Fatal(err)
			}
			p := res.First()
			if p == nil || p.Kind != postgres.ProblemAttachment || p.VoucherID != v.ID || res.ProblemCount != 1 {
				t.Fatalf("verify: %+v", res)
			}
		})
	}
}

// Seals of version 1 (written before attachments existed) still verify,
// and a change of their content is still found.
func TestVerifyReadsVersion1(t *testing.T) {
	t.Parallel()
	f, _ := sealedFixture(t, 4)
	var prev []byte
	var stmts []string
	for _, s := range storedSeals(t, f) {
		v, err := f.db.Voucher(f.ctx, book, s.voucherID)
		if err != nil {
			t.Fatal(err)
		}
		seal := ledger.Seal(v, s.seq, prev)
		stmts = append(stmts, fmt.Sprintf(`UPDATE voucher_seals SET version = 1, seal = '\x%x', prev = '\x%x' WHERE book = '%s' AND seq = %d`, seal, prev, book, s.seq))
		prev = seal[:]
	}
	stmts = append(stmts, fmt.Sprintf(`UPDATE seal_heads SET seal = '\x%x' WHERE book = '%s'`, prev, book))
	tamper(t, f, stmts...)
	res := verifyClean(t, f)
	if res.Checked != int64(len(stmts)-1) {
		t.Fatalf("checked %d", res.Checked)
	}
	seals := storedSeals(t, f)
	tamper(t, f, fmt.Sprintf(`UPDATE vouchers SET summary = '改过的摘要' WHERE book = '%s' AND id = %d`, book, seals[1].voucherID))
	res, err := f.db.Verify(f.ctx, book, 0)
	if err != nil || res.First() == nil || res.First().Kind != postgres.ProblemContent || res.First().VoucherID != seals[1].voucherID {
		t.Fatalf("verify: %v %+v", err, res)
	}
}
