package postgres

// AuthCacheState tells the tests whether db's token cache is on, its
// generation and how many requests it answered.
func AuthCacheState(db *DB) (on bool, gen uint64, hits int64) {
	db.auth.mu.Lock()
	defer db.auth.mu.Unlock()
	return db.auth.on, db.auth.gen, db.auth.hits
}

// BooksHeard reports whether LoadBooks would answer book from memory now.
func BooksHeard(db *DB, book string) bool {
	gen, on := db.auth.generation()
	return on && db.books.current(book, gen) != nil
}

// ActorCacheHits tells the tests how many use cases took their acting user
// from memory.
func ActorCacheHits(db *DB) int64 {
	db.auth.mu.Lock()
	defer db.auth.mu.Unlock()
	return db.auth.actorHits
}

// VoucherCacheHits tells the tests how many workflow steps started from a
// voucher kept in memory.
func VoucherCacheHits(db *DB) int64 {
	db.vouchers.mu.Lock()
	defer db.vouchers.mu.Unlock()
	return db.vouchers.hits
}
