package web

import (
	"context"

	"github.com/fenyang/partyfee/ledger/postgres"
)

// reader is the database the auditors' pages read: the streaming replica
// when Options.Reads has one that answers and has replayed every write
// the primary had made (so a page right after a post sees it), else the
// primary (Options.Reads warns why).
func (s *Server) reader(ctx context.Context) *postgres.DB {
	if s.opt.Reads == nil || s.opt.Reads.Replica == nil {
		return s.db
	}
	db, _ := s.opt.Reads.For(ctx, postgres.ReadLatest)
	return db
}
