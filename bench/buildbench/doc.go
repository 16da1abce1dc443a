// Package buildbench holds the whole-build rows of `make bench`: the real packer binary with
// the plugin installed, images served by the loopback registry of internal/testrig, timed
// from outside. It is a test package because only tests may use the rigs; bench/cmd/lkbench
// runs it (section "build", with `-tags lkbench`, so `go test ./...` does not) and puts its
// rows into bench/results.md.
package buildbench
