package postgres

import (
	"sync"

	"github.com/fenyang/partyfee/ledger"
)

// voucherCache keeps the vouchers this process made or moved last (a draft
// as a read would return it, asStored; a step's voucher as read and
// moved), so that the next step of one of them needs no read
// before its write: the step authorizes against the kept voucher and its
// write holds only while the voucher is still in the kept state and
// version (transitionSQL's guard). Anything else that changes a voucher —
// another process's step, an edit — moves its state or version; a write
// that finds the voucher moved forgets it, and the step reads it as
// before. Only what the
// guard covers is taken from here: the attachments' count, which an upload
// changes without a new version, comes back with the write.
type voucherCache struct {
	mu   sync.Mutex
	m    map[cachedVoucherKey]*ledger.Voucher
	hits int64
}

type cachedVoucherKey struct {
	book string
	id   int64
}

// voucherCacheMax bounds the vouchers kept; beyond it the cache starts
// over.
const voucherCacheMax = 10000

// get returns a copy of voucher id of book as this process last wrote it,
// or nil.
func (c *voucherCache) get(book string, id int64) *ledger.Voucher {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[cachedVoucherKey{book, id}]
	if !ok {
		return nil
	}
	c.hits++
	return cloneVoucher(v)
}

// put keeps a copy of v as written.
func (c *voucherCache) put(v *ledger.Voucher) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= voucherCacheMax {
		c.m = map[cachedVoucherKey]*ledger.Voucher{}
	}
	c.m[cachedVoucherKey{v.Book, v.ID}] = cloneVoucher(v)
}

// forget drops voucher id of book.
func (c *voucherCache) forget(book string, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, cachedVoucherKey{book, id})
}

// cloneVoucher copies v with its own slices (lines and their items,
// beneficiaries, document types); the times are shared, as nothing
// changes them in place.
func cloneVoucher(v *ledger.Voucher) *ledger.Voucher {
	c := *v
	c.DocTypes = cloneSlice(v.DocTypes)
	c.Beneficiaries = cloneSlice(v.Beneficiaries)
	c.Lines = cloneSlice(v.Lines)
	for i := range c.Lines {
		c.Lines[i].Items = cloneSlice(v.Lines[i].Items)
	}
	return &c
}

// cloneSlice copies s, keeping a nil slice nil and an empty one empty (an
// answer shows them apart).
func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}
