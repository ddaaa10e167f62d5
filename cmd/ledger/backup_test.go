package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger/postgres/backup"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestBackupRestoreDemo backs up the demo, restores it into a fresh data
// directory through the command line and compares every table's checksum
// of the restored database with the source's, computed again here; verify
// and the batch's checks run on the restored ledger. A damaged archive and
// a restore over a ledger are refused.
func TestBackupRestoreDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	recordDemo(t, db)
	if _, err := db.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "demo.backup")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Create(ctx, backup.Options{SuperURL: tdb.SuperURL, DBURL: tdb.SuperURL, BinDir: (&app{}).clientBinDir()}, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Books) != 1 || m.Books[0].Posted == 0 || m.Books[0].ChainSeq != m.Books[0].Posted || len(m.Books[0].Periods) == 0 {
		t.Fatalf("manifest books: %+v", m.Books)
	}

	dir := dataDir(t)
	ledger := func(args ...string) (string, string, int) {
		var o, e strings.Builder
		code := run(ctx, append([]string{"--data-dir", dir}, args...), strings.NewReader(""), &o, &e)
		return o.String(), e.String(), code
	}
	stdout, stderr, code := ledger("--json", "restore", file)
	var rep struct {
		Equal       bool
		Differences []string
		Checks      []string `json:"failed_checks"`
		Verify      []struct {
			Checked      int64 `json:"checked"`
			ProblemCount int64 `json:"problem_count"`
		}
		Restored *backup.Manifest
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || !rep.Equal {
		t.Fatalf("restore: exit %d\n%s%s", code, stdout, stderr)
	}
	if len(rep.Verify) != 1 || rep.Verify[0].Checked != m.Books[0].Posted || rep.Verify[0].ProblemCount != 0 {
		t.Errorf("verify after the restore: %+v", rep.Verify)
	}
	// Every table of the source, checksummed again now, equals the
	// restored one.
	conn, err := pgx.Connect(ctx, tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	src, err := backup.Compute(ctx, tx)
	tx.Rollback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := backup.Differences(src, rep.Restored); len(diffs) > 0 {
		t.Errorf("the restored database differs from the source:\n%s", strings.Join(diffs, "\n"))
	}
	nonEmpty := 0
	for _, ts := range src.Tables {
		if ts.Rows > 0 {
			nonEmpty++
		}
	}
	if len(src.Tables) < 20 || nonEmpty < 10 {
		t.Errorf("only %d tables (%d with rows) compared", len(src.Tables), nonEmpty)
	}

	// Restoring again over the restored ledger is refused.
	if _, stderr, code := ledger("restore", file); code == 0 || !strings.Contains(stderr, "fresh data directory") {
		t.Errorf("restore over a ledger: exit %d, %s", code, stderr)
	}
	// One byte of the dump changed: refused as damaged before anything is
	// restored.
	damaged := filepath.Join(t.TempDir(), "damaged.backup")
	corruptDump(t, file, damaged)
	other := dataDir(t)
	var o, e strings.Builder
	if code := run(ctx, []string{"--data-dir", other, "restore", damaged}, strings.NewReader(""), &o, &e); code == 0 || !strings.Contains(e.String(), "damaged") {
		t.Errorf("damaged backup: exit %d, %s%s", code, o.String(), e.String())
	}
}

// corruptDump copies the archive src to dst with one byte of the dump
// flipped.
func corruptDump(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var buf bytes.Buffer
	tr, tw := tar.NewReader(in), tar.NewWriter(&buf)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == backup.DumpName {
			data[len(data)/2] ^= 0x01
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
