// Package backup writes and restores a backup of the ledger database that
// proves itself: a tar archive holding a pg_dump custom-format dump of the
// whole database, the cluster's roles (pg_dumpall --roles-only) and a
// manifest computed from the same snapshot as the dump — every table's row
// count and checksum, and per book the voucher counts, the seal chain's
// head and the period seals. A restore recreates the roles, restores the
// dump into an empty database and computes the manifest again; the two
// must be equal.
package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// FormatVersion is the archive layout's version.
const FormatVersion = 1

// Names of the archive's members.
const (
	ManifestName = "manifest.json"
	RolesName    = "roles.sql"
	DumpName     = "ledger.dump"
)

// Manifest describes a backup.
type Manifest struct {
	Format        int        `json:"format"`
	CreatedAt     time.Time  `json:"created_at"`
	Database      string     `json:"database"`
	ServerVersion string     `json:"server_version"`
	SchemaVersion int64      `json:"schema_version"`
	Tables        []TableSum `json:"tables"`
	Books         []BookSum  `json:"books"`
	Dump          FileSum    `json:"dump"`
	Roles         []string   `json:"roles"`
}

// TableSum is one table's row count and the SHA-256 of its rows' text, in
// the order of that text (so it does not depend on physical order).
type TableSum struct {
	Name     string `json:"name"`
	Rows     int64  `json:"rows"`
	Checksum string `json:"checksum"`
}

// BookSum is what a book's auditors look at first.
type BookSum struct {
	Book      string       `json:"book"`
	Vouchers  int64        `json:"vouchers"`
	Posted    int64        `json:"posted"`
	Lines     int64        `json:"lines"`
	ChainSeq  int64        `json:"chain_seq"`
	ChainHead string       `json:"chain_head"`
	Periods   []PeriodSeal `json:"periods"`
}

// PeriodSeal is a period's state and seal.
type PeriodSeal struct {
	Year   int    `json:"year"`
	Month  int    `json:"month"`
	Status string `json:"status"`
	Seal   string `json:"seal,omitempty"`
}

// FileSum is a member's size and SHA-256.
type FileSum struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Options locate the server and its client programs.
type Options struct {
	// SuperURL connects as a superuser to the server (roles are read and
	// created with it).
	SuperURL string
	// DBURL connects as a superuser (or the owner) to the ledger database.
	DBURL string
	// BinDir holds pg_dump, pg_dumpall and pg_restore.
	BinDir string
	// Now stamps the manifest.
	Now func() time.Time
}

func (o Options) bin(name string) string {
	if o.BinDir != "" {
		return filepath.Join(o.BinDir, name)
	}
	return name
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// ledgerRoles are the roles the schema grants to; only they are recreated.
var ledgerRoles = []string{"ledger_owner", "ledger_app", "ledger_auditor"}

// Compute reads the manifest of the database q is connected to, within
// q's snapshot.
func Compute(ctx context.Context, q pgx.Tx) (*Manifest, error) {
	m := &Manifest{Format: FormatVersion}
	if err := q.QueryRow(ctx, `SELECT current_database(), current_setting('server_version')`).Scan(&m.Database, &m.ServerVersion); err != nil {
		return nil, err
	}
	// goose's version table may be absent on a database never migrated.
	_ = q.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&m.SchemaVersion)
	rows, err := q.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		ts := TableSum{Name: t}
		id := pgx.Identifier{t}.Sanitize()
		// The row text in C collation order: byte-wise, the same on any
		// server whatever its locale.
		err := q.QueryRow(ctx, `SELECT count(*), coalesce(encode(sha256(convert_to(string_agg(r::text, E'\n' ORDER BY r::text COLLATE "C"), 'UTF8')), 'hex'), '')
			FROM `+id+` r`).Scan(&ts.Rows, &ts.Checksum)
		if err != nil {
			return nil, fmt.Errorf("checksum of %s: %w", t, err)
		}
		m.Tables = append(m.Tables, ts)
	}
	if !contains(tables, "books") {
		return m, nil
	}
	rows, err = q.Query(ctx, `SELECT b.book,
			(SELECT count(*) FROM vouchers v WHERE v.book = b.book),
			(SELECT count(*) FROM vouchers v WHERE v.book = b.book AND v.status = 'posted'),
			(SELECT count(*) FROM voucher_lines l WHERE l.book = b.book),
			coalesce(h.seq, 0), coalesce(encode(h.seal, 'hex'), '')
		FROM books b LEFT JOIN seal_heads h ON h.book = b.book ORDER BY b.book`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b BookSum
		if err := rows.Scan(&b.Book, &b.Vouchers, &b.Posted, &b.Lines, &b.ChainSeq, &b.ChainHead); err != nil {
			rows.Close()
			return nil, err
		}
		m.Books = append(m.Books, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range m.Books {
		rows, err := q.Query(ctx, `SELECT year, month, status, coalesce(seal, '') FROM periods WHERE book = $1 ORDER BY year, month`, m.Books[i].Book)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var p PeriodSeal
			if err := rows.Scan(&p.Year, &p.Month, &p.Status, &p.Seal); err != nil {
				rows.Close()
				return nil, err
			}
			m.Books[i].Periods = append(m.Books[i].Periods, p)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Differences lists how got differs from want in content (tables, books,
// schema); times, server versions and the dump's file are not compared.
func Differences(want, got *Manifest) []string {
	var out []string
	if want.SchemaVersion != got.SchemaVersion {
		out = append(out, fmt.Sprintf("schema version %d, want %d", got.SchemaVersion, want.SchemaVersion))
	}
	gt := map[string]TableSum{}
	for _, t := range got.Tables {
		gt[t.Name] = t
	}
	for _, t := range want.Tables {
		g, ok := gt[t.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("table %s is missing", t.Name))
		case g.Rows != t.Rows:
			out = append(out, fmt.Sprintf("table %s has %d rows, want %d", t.Name, g.Rows, t.Rows))
		case g.Checksum != t.Checksum:
			out = append(out, fmt.Sprintf("table %s: checksum %s, want %s", t.Name, g.Checksum, t.Checksum))
		}
		delete(gt, t.Name)
	}
	for name := range gt {
		out = append(out, fmt.Sprintf("table %s is not in the backup", name))
	}
	wb, _ := json.Marshal(want.Books)
	gb, _ := json.Marshal(got.Books)
	if !bytes.Equal(wb, gb) {
		out = append(out, fmt.Sprintf("books differ: %s, want %s", gb, wb))
	}
	sort.Strings(out)
	return out
}

// Create writes the backup archive to w and returns its manifest. The
// manifest and the dump are of one snapshot: the manifest's transaction
// exports it and pg_dump runs in it.
func Create(ctx context.Context, opt Options, w io.Writer) (*Manifest, error) {
	conn, err := pgx.Connect(ctx, opt.DBURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var snapshot string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return nil, err
	}
	m, err := Compute(ctx, tx)
	if err != nil {
		return nil, err
	}
	m.CreatedAt = opt.now()
	m.Roles = ledgerRoles

	tmp, err := os.MkdirTemp("", "ledger-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dump := filepath.Join(tmp, DumpName)
	if out, err := exec.CommandContext(ctx, opt.bin("pg_dump"), "--format=custom", "--snapshot="+snapshot, "--file="+dump, "--dbname="+opt.DBURL).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pg_dump: %v: %s", err, bytes.TrimSpace(out))
	}
	roles, err := exec.CommandContext(ctx, opt.bin("pg_dumpall"), "--roles-only", "--dbname="+opt.SuperURL).Output()
	if err != nil {
		return nil, fmt.Errorf("pg_dumpall --roles-only: %w", err)
	}
	roles = ledgerRoleStatements(roles)
	if m.Dump, err = sumFile(dump); err != nil {
		return nil, err
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(w)
	// The manifest first, so a reader sees what to expect before the dump.
	if err := addBytes(tw, ManifestName, mj, m.CreatedAt); err != nil {
		return nil, err
	}
	if err := addBytes(tw, RolesName, roles, m.CreatedAt); err != nil {
		return nil, err
	}
	f, err := os.Open(dump)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := tw.WriteHeader(&tar.Header{Name: DumpName, Mode: 0o600, Size: m.Dump.Size, ModTime: m.CreatedAt}); err != nil {
		return nil, err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return nil, err
	}
	return m, tw.Close()
}

// ledgerRoleStatements keeps the lines of pg_dumpall's roles script that
// create or alter the ledger's roles (not the cluster's superuser).
func ledgerRoleStatements(script []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(string(script), "\n") {
		for _, r := range ledgerRoles {
			if strings.HasPrefix(line, "CREATE ROLE "+r+";") || strings.HasPrefix(line, "ALTER ROLE "+r+" ") {
				b.WriteString(line + "\n")
			}
		}
	}
	return b.Bytes()
}

func addBytes(tw *tar.Writer, name string, data []byte, at time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: at}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func sumFile(path string) (FileSum, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileSum{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileSum{}, err
	}
	return FileSum{Name: filepath.Base(path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// ReadManifest reads only the manifest of an archive.
func ReadManifest(r io.Reader) (*Manifest, error) {
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("not a ledger backup: %w", err)
	}
	if hdr.Name != ManifestName {
		return nil, fmt.Errorf("not a ledger backup: the first member is %s, not %s", hdr.Name, ManifestName)
	}
	var m Manifest
	if err := json.NewDecoder(tr).Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("backup format %d; this ledger reads format %d", m.Format, FormatVersion)
	}
	return &m, nil
}

// Restore unpacks the archive, recreates the ledger's roles on the server,
// restores the dump into the database at opt.DBURL (which must hold no
// tables) and returns the manifest of the backup and the one computed
// from the restored database. Compare them with Differences.
func Restore(ctx context.Context, opt Options, r io.Reader) (want, got *Manifest, err error) {
	tmp, err := os.MkdirTemp("", "ledger-restore-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	tr := tar.NewReader(r)
	files := map[string]string{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading the backup: %w", err)
		}
		switch hdr.Name {
		case ManifestName, RolesName, DumpName:
		default:
			return nil, nil, fmt.Errorf("unexpected member %q in the backup", hdr.Name)
		}
		p := filepath.Join(tmp, hdr.Name)
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			return nil, nil, err
		}
		if _, err := io.Copy(f, tr); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("reading the backup: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, nil, err
		}
		files[hdr.Name] = p
	}
	for _, n := range []string{ManifestName, RolesName, DumpName} {
		if files[n] == "" {
			return nil, nil, fmt.Errorf("the backup has no %s", n)
		}
	}
	mf, err := os.Open(files[ManifestName])
	if err != nil {
		return nil, nil, err
	}
	want = &Manifest{}
	err = json.NewDecoder(mf).Decode(want)
	mf.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	sum, err := sumFile(files[DumpName])
	if err != nil {
		return nil, nil, err
	}
	if sum.SHA256 != want.Dump.SHA256 || sum.Size != want.Dump.Size {
		return nil, nil, fmt.Errorf("the dump's checksum is %s (%d bytes), the manifest says %s (%d bytes): the backup is damaged", sum.SHA256, sum.Size, want.Dump.SHA256, want.Dump.Size)
	}

	if err := createRoles(ctx, opt.SuperURL, files[RolesName]); err != nil {
		return nil, nil, err
	}
	conn, err := pgx.Connect(ctx, opt.DBURL)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil {
		return nil, nil, err
	}
	if n > 0 {
		return nil, nil, fmt.Errorf("the database %s already holds %d tables: restore into a fresh data directory", conn.Config().Database, n)
	}
	if out, err := exec.CommandContext(ctx, opt.bin("pg_restore"), "--exit-on-error", "--single-transaction", "--dbname="+opt.DBURL, files[DumpName]).CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("pg_restore: %v: %s", err, bytes.TrimSpace(out))
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if got, err = Compute(ctx, tx); err != nil {
		return nil, nil, err
	}
	return want, got, nil
}

// createRoles runs the roles script statement by statement: a role that
// exists already (the fresh cluster's bootstrap made the owner) is altered
// to the backed-up attributes instead of failing the restore.
func createRoles(ctx context.Context, superURL, path string) error {
	script, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, line := range strings.Split(string(script), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "CREATE ROLE ") {
			name := strings.TrimSuffix(strings.TrimPrefix(line, "CREATE ROLE "), ";")
			var exists bool
			if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, name).Scan(&exists); err != nil {
				return err
			}
			if exists {
				continue
			}
		}
		if _, err := conn.Exec(ctx, line); err != nil {
			return fmt.Errorf("recreating roles (%s): %w", line, err)
		}
	}
	return nil
}
