// Package buildbench holds the whole-build rows of `make bench`: the real packer binary with
// the plugin installed, images served by the loopback registry of internal/testrig, timed
// from outside. It is a test package because only tests may use the rigs; bench/cmd/lkbench
// runs it (section "build", with `-tags lkbench`, so `go test ./...` does not) and puts its
// rows into bench/results.md.
package buildbench

// Row is one measured operation, as lkbench reads it: the median seconds of each side.
type Row struct {
	Op        string  `json:"op"`
	Ours      float64 `json:"ours_s"`
	OursBytes int64   `json:"ours_bytes"`
	Peer      string  `json:"peer"`
	PeerS     float64 `json:"peer_s"`
	PeerBytes int64   `json:"peer_bytes"`
	Note      string  `json:"note"`
}
