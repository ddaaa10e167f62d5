package pgtest

import (
	"context"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestMigrationsFromEmptyTwice(t *testing.T) {
	t.Parallel()
	// A fresh, empty database (not cloned from the template).
	ctx := context.Background()
	name := "empty_" + sanitize(t.Name())
	if err := exec(ctx, "CREATE DATABASE "+name+" OWNER ledger_owner"); err != nil {
		t.Fatal(err)
	}
	defer exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	u := dbURL(superURL, name, "ledger_owner")
	v1, err := migrateURL(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if v1 < 1 {
		t.Fatalf("schema version after migrate = %d, want ≥ 1", v1)
	}
	v2, err := migrateURL(ctx, u)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if v2 != v1 {
		t.Fatalf("second migrate changed the version %d → %d", v1, v2)
	}
}

func TestClonesAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := New(t), New(t)
	ctx := context.Background()
	if _, err := a.Pool.Exec(ctx, "INSERT INTO books (book, name) VALUES ('A', 'book a')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.Pool.QueryRow(ctx, "SELECT count(*) FROM books").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second clone sees %d books of the first", n)
	}
}
