package workbook

import (
	"runtime/debug"
	"testing"
)

// TestLowerGC: LowerGC collects at half the default growth while a workbook is
// written and restores the setting afterwards; a GOGC of the environment
// is left alone.
func TestLowerGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	t.Setenv("GOGC", "")
	restore := LowerGC()
	if got := debug.SetGCPercent(GCPercent); got != GCPercent {
		t.Fatalf("while writing: GC percent %d, want %d", got, GCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("after writing: GC percent %d, want 100 back", got)
	}
	t.Setenv("GOGC", "200")
	LowerGC()()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set: GC percent %d changed", got)
	}
}
