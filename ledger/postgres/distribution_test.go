package postgres_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// The book is the unit of distribution (README "Beyond one machine"): a
// distributed engine (Citus, YugabyteDB) shards every ledger table by
// book and co-locates the shards of one book, which works when every
// primary key and every foreign key between ledger tables holds the book
// and no statement joins rows of two books. These tests hold that.

// notByBook are the tables whose primary key lacks the book, and why.
var notByBook = map[string]string{
	"goose_db_version": "the migration tool's bookkeeping, one row per applied migration: a reference table on a distributed engine",
	"login_attempts":   "the failed-login rate limit, keyed by user or client address before a login has named its book: kept per node (or a reference table); it holds no ledger data",
	"web_sessions":     "a browser session is looked up by its cookie's hash before its book is known, like an API token: it carries the book and its foreign key to users holds it",
	"api_tokens":       "a token is looked up by its hash before its book is known, so its key is the token id; it carries the book and its foreign key to users holds it: a reference table, or the id made book-qualified on a distributed engine",
}

// withoutPrimaryKey are the tables that have no primary key, and why: a
// distributed engine shards such a table by its book column as it does
// the others; it has no key to hold the book.
var withoutPrimaryKey = map[string]string{
	"seal_pending": "the sealer's queue, a row per posted voucher for a second or so: read whole, oldest first, and taken by the rows' places (seal.go): migration 00050",
	"actions":      "the append-only action log: its id is an identity column, and a voucher's actions are found through a block-range index (actions_by_voucher), an API step by its key (actions_idem_key, which holds the book): migration 00048",
}

// crossBookJoins are the statements allowed to join rows of different
// books (file: the joined table), each with its reason: the grants across
// books, whose two sides are linked by data (a grant names the lower book,
// a receipt the upper one), read together when both books are in one
// database. The roll-up itself reads each book on its own and matches the
// grants in Go, so that it works over several databases alike.
var crossBookJoins = map[string]string{
	"grants.go: grant_receipts": "a book's grants with their receipts in the lower book (ledger grant list), when both are here",
}

func ledgerTables(t *testing.T, ctx context.Context, conn *pgx.Conn) map[string]bool {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// TestEveryKeyHoldsTheBook reads pg_catalog of a migrated database: every
// table's primary key has the book column (but the listed exceptions), and
// every foreign key between ledger tables maps book to book.
func TestEveryKeyHoldsTheBook(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tdb.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tables := ledgerTables(t, ctx, conn)
	if len(tables) < 20 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	rows, err := conn.Query(ctx, `
		SELECT c.relname, coalesce(array_agg(a.attname::text ORDER BY k.ord) FILTER (WHERE a.attname IS NOT NULL), '{}')
		  FROM pg_class c
		  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
		  LEFT JOIN pg_constraint p ON p.conrelid = c.oid AND p.contype = 'p'
		  LEFT JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, ord) ON true
		  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
		 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
		 GROUP BY c.relname ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type pk struct {
		table string
		cols  []string
	}
	pks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pk, error) {
		var p pk
		return p, r.Scan(&p.table, &p.cols)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pks {
		if _, none := withoutPrimaryKey[p.table]; none || len(p.cols) == 0 {
			if !none {
				t.Errorf("table %s has no primary key; give it one that holds the book, or list it in withoutPrimaryKey", p.table)
			} else if len(p.cols) > 0 {
				t.Errorf("table %s: primary key (%s); remove it from withoutPrimaryKey", p.table, strings.Join(p.cols, ", "))
			}
			continue
		}
		_, excepted := notByBook[p.table]
		switch has := slices.Contains(p.cols, "book"); {
		case !has && !excepted:
			t.Errorf("table %s: primary key (%s) lacks the book", p.table, strings.Join(p.cols, ", "))
		case has && excepted:
			t.Errorf("table %s: primary key (%s) holds the book; remove it from notByBook", p.table, strings.Join(p.cols, ", "))
		}
	}
	for name := range notByBook {
		if !tables[name] {
			t.Errorf("notByBook names %s, which is not a table", name)
		}
	}
	for name := range withoutPrimaryKey {
		if !tables[name] {
			t.Errorf("withoutPrimaryKey names %s, which is not a table", name)
			continue
		}
		// Sharded by its book column: it has one.
		var hasBook bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ('public.' || $1)::regclass
			AND attname = 'book' AND NOT attisdropped)`, name).Scan(&hasBook); err != nil {
			t.Fatal(err)
		}
		if !hasBook {
			t.Errorf("table %s has no primary key and no book column to be sharded by", name)
		}
	}

	// Foreign keys: the book column of the referencing table refers to
	// the book column of the referenced one.
	rows, err = conn.Query(ctx, `
		SELECT f.conname, f.conrelid::regclass::text, f.confrelid::regclass::text,
		       array_agg(a.attname::text ORDER BY k.ord), array_agg(b.attname::text ORDER BY k.ord)
		  FROM pg_constraint f
		  JOIN pg_namespace n ON n.oid = f.connamespace AND n.nspname = 'public'
		  CROSS JOIN LATERAL unnest(f.conkey, f.confkey) WITH ORDINALITY k(att, fatt, ord)
		  JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.att
		  JOIN pg_attribute b ON b.attrelid = f.confrelid AND b.attnum = k.fatt
		 WHERE f.contype = 'f'
		 GROUP BY 1, 2, 3 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type fk struct {
		name, from, to string
		cols, refs     []string
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk, error) {
		var f fk
		return f, r.Scan(&f.name, &f.from, &f.to, &f.cols, &f.refs)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fks) < 20 {
		t.Fatalf("only %d foreign keys found", len(fks))
	}
	for _, f := range fks {
		i := slices.Index(f.cols, "book")
		if i < 0 || f.refs[i] != "book" {
			t.Errorf("foreign key %s from %s (%s) to %s (%s) does not map book to book",
				f.name, f.from, strings.Join(f.cols, ", "), f.to, strings.Join(f.refs, ", "))
		}
	}
}

var (
	joinPattern = regexp.MustCompile(`(?is)\bJOIN\s+(?:LATERAL\s+)?([a-z_][a-z_0-9.]*)(?:\s+(?:AS\s+)?([a-z_][a-z_0-9]*))?\s+(ON|USING)\b`)
	// joinEnd ends a join condition: the next clause or statement.
	joinEnd = regexp.MustCompile(`(?is)\b(?:LEFT|RIGHT|FULL|INNER|CROSS|JOIN|WHERE|GROUP|ORDER|LIMIT|UNION|WINDOW|HAVING|RETURNING|SELECT)\b|;`)
	// bookWord: the condition equates a book with a book (x.book =
	// y.book, or both to one parameter: x.book = $1), or joins USING it; a
	// book equated with another column (r.book = g.to_book) crosses books.
	bookWord = regexp.MustCompile(`(?is)(?:\bbook\s*=\s*(?:[a-z_][a-z_0-9]*\.)?book\b|\bbook\s*=\s*(?:\$\d|p_book\b)|\$\d+\s*=\s*(?:[a-z_][a-z_0-9]*\.)?book\b|\busing\s*\([^)]*\bbook\b)`)
)

// sqlTexts returns the string literals of the adapter's Go files and the
// migrations' SQL, each with where it is.
func sqlTexts(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out[fset.Position(lit.Pos()).String()] = s
				}
			}
			return true
		})
	}
	migrations, _ := filepath.Glob(filepath.Join("..", "..", "migrations", "0*.sql"))
	if len(migrations) == 0 {
		t.Fatal("no migrations found")
	}
	for _, name := range migrations {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

// TestNoJoinAcrossBooks scans the adapter's SQL and the migrations: every
// JOIN of a ledger table has a condition naming the book (ON … book …, or
// USING (book, …)), so no statement combines rows of two books; the
// exceptions are crossBookJoins. Statements that join with a comma are not
// written here (the scan would miss them).
func TestNoJoinAcrossBooks(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tdb.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tables := ledgerTables(t, ctx, conn)
	joins := 0
	for where, sql := range sqlTexts(t) {
		for _, m := range joinPattern.FindAllStringSubmatchIndex(sql, -1) {
			table := strings.ToLower(sql[m[2]:m[3]])
			if !tables[table] || table == "goose_db_version" {
				continue
			}
			joins++
			rest := sql[m[1]:]
			if e := joinEnd.FindStringIndex(rest); e != nil {
				rest = rest[:e[0]]
			}
			if bookWord.MatchString(rest) {
				continue
			}
			key := filepath.Base(strings.SplitN(where, ":", 2)[0]) + ": " + table
			if _, ok := crossBookJoins[key]; ok {
				continue
			}
			t.Errorf("%s: JOIN %s %s without the book: %s", where, table, sql[m[6]:m[7]], strings.Join(strings.Fields(rest), " "))
		}
	}
	// The scan sees the joins there are (a broken pattern would pass
	// everything).
	if joins < 30 {
		t.Fatalf("only %d joins of ledger tables found", joins)
	}
	t.Logf("%d joins of ledger tables, each on the book", joins)
}
