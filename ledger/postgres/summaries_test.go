package postgres_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

func TestSavedSummaries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	got, err := f.db.SaveSummary(f.ctx, book, "wangfang", "  购买防疫物资 ")
	if err != nil || got != "购买防疫物资" {
		t.Fatalf("save: %q %v", got, err)
	}
	// the same text again keeps one
	if _, err := f.db.SaveSummary(f.ctx, book, "wangfang", "购买防疫物资"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SaveSummary(f.ctx, book, "wangfang", "慰问一线医务人员"); err != nil {
		t.Fatal(err)
	}
	list, err := f.db.SavedSummaries(f.ctx, book, "wangfang")
	slices.Sort(list) // saved at the same clock time
	if err != nil || !slices.Equal(list, []string{"慰问一线医务人员", "购买防疫物资"}) {
		t.Fatalf("list: %q %v", list, err)
	}
	// another user's list is their own
	if other, err := f.db.SavedSummaries(f.ctx, book, "liqiang"); err != nil || len(other) != 0 {
		t.Fatalf("liqiang's list: %q %v", other, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("摘", ledger.SavedSummaryLenMax+1), "a\x00b", "a\u202eb"} {
		_, err := f.db.SaveSummary(f.ctx, book, "wangfang", bad)
		wantCode(t, err, ledger.EInvalid, "summary")
	}
	if err := f.db.RemoveSummary(f.ctx, book, "wangfang", "购买防疫物资"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.db.RemoveSummary(f.ctx, book, "wangfang", "购买防疫物资"), ledger.ENotFound, "summary")
	if list, _ := f.db.SavedSummaries(f.ctx, book, "wangfang"); !slices.Equal(list, []string{"慰问一线医务人员"}) {
		t.Fatalf("after the removal: %q", list)
	}

	// The database refuses what Go refuses, as the application role.
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO saved_summaries (book, user_name, text) VALUES ($1, 'wangfang', ' x')`, book); err == nil {
		t.Error("the database keeps an untrimmed summary")
	}
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO saved_summaries (book, user_name, text) VALUES ($1, 'wangfang', $2)`,
		book, strings.Repeat("摘", ledger.SavedSummaryLenMax+1)); err == nil {
		t.Error("the database keeps a summary over the length limit")
	}

	// Saves at once never pass the limit together.
	var wg sync.WaitGroup
	errs := make([]error, ledger.SavedSummariesMax+10)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.db.SaveSummary(f.ctx, book, "liqiang", fmt.Sprintf("摘要%d", i)) })
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		if err != nil {
			if ledger.ErrorCode(err) != ledger.ETooLarge {
				t.Fatalf("a save refused with %v", err)
			}
			refused++
		}
	}
	if list, _ := f.db.SavedSummaries(f.ctx, book, "liqiang"); len(list) != ledger.SavedSummariesMax || refused != 10 {
		t.Fatalf("%d saved, %d refused", len(list), refused)
	}
}
