package recon

import "testing"

// TestCountedButUnlistedIsNotClean: a check that counts problems beyond
// its listed ones makes the run one with discrepancies.
func TestCountedButUnlistedIsNotClean(t *testing.T) {
	tl := NewTally()
	tl.Add(CheckSealChain)
	var clean ReconcileResult
	tl.Finish(&clean)
	if clean.Status != StatusClean {
		t.Fatalf("nothing counted: status %s", clean.Status)
	}
	tl = NewTally()
	tl.Add(CheckSealChain)
	tl.AddCount(CheckSealChain, 3)
	var res ReconcileResult
	tl.Finish(&res)
	if res.Status != StatusDiscrepancies || len(res.Discrepancies) != 0 {
		t.Fatalf("three counted, none listed: status %s, %d listed", res.Status, len(res.Discrepancies))
	}
}
