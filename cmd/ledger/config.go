package main

import (
	"fmt"
	"log/slog"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// poolOptions is the connection pool's configuration.
func poolOptions(c *configs.Config) postgres.Options {
	return postgres.Options{MaxConns: int32(c.Database.MaxConns), StatementTimeout: c.Database.StatementTimeout,
		ConnectTimeout: c.Database.ConnectTimeout}
}

// clusterOptions is the embedded cluster's configuration in dataDir.
func clusterOptions(c *configs.Config, dataDir string, log *slog.Logger) embedded.Options {
	return embedded.Options{
		DataDir: dataDir,
		BinDir:  c.Postgres.BinDir,
		Settings: map[string]string{
			"max_connections": fmt.Sprint(c.Postgres.MaxConnections),
			"shared_buffers":  "'" + c.Postgres.SharedBuffers + "'",
		},
		Log: func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) },
	}
}
