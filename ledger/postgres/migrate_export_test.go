package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"testing/fstest"

	"github.com/fenyang/partyfee/migrations"
)

// MigrateToForTest applies the migrations up to version and no further, as
// a database made before the later ones would have them.
func MigrateToForTest(ctx context.Context, url string, version int64) (int64, error) {
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, err
	}
	sub := fstest.MapFS{}
	for _, f := range files {
		var v int64
		if _, err := fmt.Sscanf(f, "%d_", &v); err != nil || v > version {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, f)
		if err != nil {
			return 0, err
		}
		sub[f] = &fstest.MapFile{Data: b}
	}
	return migrateURL(ctx, url, sub, nil)
}

// SameRequestForTest is sameRequest: whether a step's kept hash is that
// of the request with hex SHA-256 h.
var SameRequestForTest = sameRequest
