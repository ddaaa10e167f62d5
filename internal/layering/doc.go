// Package layering holds the test of the import arrows between the
// project's packages (STYLE.md's layout): the domain imports no adapter, the
// storage adapter never imports the renderer, the API, the configuration or
// the command, and nothing but the command imports the bench harness or the
// demo scenario. It has no code of its own.
package layering
