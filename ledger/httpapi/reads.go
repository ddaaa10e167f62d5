package httpapi

import (
	"context"

	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/report"
)

// readDB is the database a report or verify reads: the streaming replica
// when Options.Reads has one that answers and has replayed every write
// made before the request (a post just answered included), else the
// primary (Options.Reads warns why). src, printed on a workbook's cover,
// is nil without a replica.
func (s *Server) readDB(ctx context.Context) (db *postgres.DB, src *report.ReadSource) {
	if s.opt.Reads == nil || s.opt.Reads.Replica == nil {
		return s.db, nil
	}
	return s.opt.Reads.For(ctx, postgres.ReadLatest)
}
