package main

import (
	"errors"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
)

// exit prints err and returns the exit status for it.
func (a *app) exit(err error) int {
	var ce *configs.Error
	return exit.Printer{Stdout: a.stdout, Stderr: a.stderr, Lang: a.lang(), JSON: a.jsonOut()}.Print(err, errors.As(err, &ce))
}
