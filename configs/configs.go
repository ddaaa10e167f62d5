// Package configs embeds the default configuration, the default chart of
// accounts, the audit-rule thresholds, the bank statement layouts and the
// demo setup, so the ledger binary works from any directory.
package configs

import "embed"

// FS holds every file of this directory.
//
//go:embed *.yaml demo/*.yaml
var FS embed.FS

// Default returns the default configuration file (ledger.yaml).
func Default() []byte { return must("ledger.yaml") }

// Chart returns the default chart of accounts (chart.yaml).
func Chart() []byte { return must("chart.yaml") }

// Demo returns the Fenyang reference case setup.
func Demo() []byte { return must("demo/fenyang.yaml") }

// Read returns an embedded file by name.
func Read(name string) ([]byte, error) { return FS.ReadFile(name) }

func must(name string) []byte {
	b, err := FS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}
