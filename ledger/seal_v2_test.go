package ledger_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

func sealFiles() []ledger.SealedAttachment {
	return []ledger.SealedAttachment{
		{No: 1, SHA256: sha256.Sum256([]byte("%PDF-1.4 发票")), Size: 17, MediaType: "application/pdf"},
		{No: 2, SHA256: sha256.Sum256([]byte("\x89PNG\r\n\x1a\n签收单")), Size: 17, MediaType: "image/png"},
	}
}

// sealV2GoldenHex pins the version 2 encoding of sealVoucher with
// sealFiles at position 7: a change of the sealed bytes needs a new version.
const sealV2GoldenHex = "3d032d756d98c88916115676ebe2aa65ba30c91b3d38ca9ee819803816cc5866"

func TestSealV2Fields(t *testing.T) {
	v, files := sealVoucher(), sealFiles()
	enc := ledger.SealEncodeV2(v, files, 7, sealPrev())
	fields := splitSealFields(t, enc)
	if want := 29 + 7*len(v.Lines) + 4*len(v.Beneficiaries) + 4*len(files); len(fields) != want {
		t.Fatalf("%d fields, want %d", len(fields), want)
	}
	if fields[0] != "2" {
		t.Fatalf("version field %q, want 2", fields[0])
	}
	// Fields 2–27 are version 1's.
	v1 := splitSealFields(t, ledger.SealEncode(v, 7, sealPrev()))
	body := 27 + 7*len(v.Lines) + 4*len(v.Beneficiaries)
	for i := 1; i < body; i++ {
		if fields[i] != v1[i] {
			t.Fatalf("field %d is %q, version 1 has %q", i+1, fields[i], v1[i])
		}
	}
	got := fields[body:]
	want := []string{"2",
		"1", hex.EncodeToString(files[0].SHA256[:]), "17", "application/pdf",
		"2", hex.EncodeToString(files[1].SHA256[:]), "17", "image/png",
		hex.EncodeToString(sealPrev())}
	if len(got) != len(want) {
		t.Fatalf("attachment fields %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("attachment field %d is %q, want %q", i, got[i], want[i])
		}
	}
	// Without files: the count is 0 and the encoding still differs from version 1.
	none := splitSealFields(t, ledger.SealEncodeV2(v, nil, 7, sealPrev()))
	if none[body] != "0" || len(none) != body+2 {
		t.Fatalf("no files: %q", none[body:])
	}
	if ledger.SealV2(v, nil, 7, sealPrev()) == ledger.Seal(v, 7, sealPrev()) {
		t.Fatal("version 1 and 2 seals of the same voucher collide")
	}
	if s := ledger.SealV2(v, files, 7, sealPrev()); s != sha256.Sum256(enc) {
		t.Fatal("SealV2 is not SHA-256 of SealEncodeV2")
	}
	if h := ledger.SealV2(v, files, 7, sealPrev()); hex.EncodeToString(h[:]) != sealV2GoldenHex {
		t.Fatalf("version 2 seal %x, want %s", h, sealV2GoldenHex)
	}
	if ledger.SealVersion != ledger.SealVersion2 {
		t.Fatalf("new seals are written as version %d, want 2", ledger.SealVersion)
	}
}

func TestSealV2CoversFiles(t *testing.T) {
	v := sealVoucher()
	base := ledger.SealV2(v, sealFiles(), 7, sealPrev())
	// Given in another order, the files are sealed in number order.
	rev := sealFiles()
	rev[0], rev[1] = rev[1], rev[0]
	if ledger.SealV2(v, rev, 7, sealPrev()) != base {
		t.Fatal("the order the files are given in changed the seal")
	}
	changes := map[string]func(f []ledger.SealedAttachment) []ledger.SealedAttachment{
		"hash byte":  func(f []ledger.SealedAttachment) []ledger.SealedAttachment { f[1].SHA256[31] ^= 1; return f },
		"size":       func(f []ledger.SealedAttachment) []ledger.SealedAttachment { f[0].Size++; return f },
		"media type": func(f []ledger.SealedAttachment) []ledger.SealedAttachment { f[0].MediaType = "image/jpeg"; return f },
		"number":     func(f []ledger.SealedAttachment) []ledger.SealedAttachment { f[1].No = 3; return f },
		"removed":    func(f []ledger.SealedAttachment) []ledger.SealedAttachment { return f[:1] },
		"added": func(f []ledger.SealedAttachment) []ledger.SealedAttachment {
			return append(f, ledger.SealedAttachment{No: 3, Size: 1, MediaType: "image/png"})
		},
	}
	for name, change := range changes {
		if ledger.SealV2(v, change(sealFiles()), 7, sealPrev()) == base {
			t.Errorf("%s: the seal did not change", name)
		}
	}
	// Versions dispatch.
	for _, version := range []int{ledger.SealVersion1, ledger.SealVersion2} {
		enc, ok := ledger.AppendSealEncodingVersion(nil, version, v, sealFiles(), 7, sealPrev())
		if !ok || !bytes.HasPrefix(enc, []byte("1:"+strconv.Itoa(version)+"\n")) {
			t.Fatalf("version %d: %v %q", version, ok, enc[:4])
		}
	}
	if _, ok := ledger.AppendSealEncodingVersion(nil, 3, v, nil, 7, sealPrev()); ok {
		t.Fatal("version 3 encoded")
	}
}
