package main

import "context"

// importWorkload is the bulk load of N approved vouchers with `ledger
// import --approved` against COPY of the same rows (SPEC §9). The importer
// is not part of this build yet: the row says so, without figures.
func (e *benchEnv) importWorkload(ctx context.Context) ([]benchResult, error) {
	r := newBenchResult("import", "vouchers/s", 0, 0, benchTarget{})
	r.Target = "≥ 0.50×"
	r.Note = "not built: ledger import --approved is not in this build"
	return []benchResult{r}, ctx.Err()
}
