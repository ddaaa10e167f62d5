package postgres

// SetSearchChunk sets how many ids a search by the vouchers' lines tests
// at a time before it reads the lines instead, for tests of both ways.
func (db *DB) SetSearchChunk(n int64) { db.searchChunk = n }
