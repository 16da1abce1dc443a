// Command vcsim runs govmomi's vCenter simulator (the VPX model, with the vAPI
// endpoints that content libraries need) over TLS on a loopback address, for
// end-to-end tests of the real packer binary. It is testrig.NewVCSim, the
// setup the in-process tests use, accepting any login.
//
// It prints one line, `GOVC_URL=https://user:pass@host:port/sdk`, once it
// listens; with -cert it also writes the server's certificate (PEM) so tests can
// exercise `ca_file`. It serves until killed, or with -stdin until its standard
// input closes, so a dying test never leaves it behind.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

func main() {
	addr := flag.String("l", "127.0.0.1:0", "listen address (loopback only)")
	hosts := flag.Int("hosts", 3, "hosts in the cluster")
	certOut := flag.String("cert", "", "write the server certificate (PEM) to this file")
	watchStdin := flag.Bool("stdin", false, "exit when stdin reaches EOF")
	flag.Parse()

	sim, err := testrig.NewVCSim(testrig.WithListen(*addr), testrig.WithClusterHosts(*hosts), testrig.WithAnyLogin())
	if err != nil {
		log.Fatalf("vcsim: %v", err)
	}
	defer sim.Close()
	if *certOut != "" {
		if err := os.WriteFile(*certOut, sim.CertificatePEM(), 0o644); err != nil {
			log.Fatalf("vcsim: write certificate: %v", err)
		}
	}
	fmt.Printf("GOVC_URL=%s\n", sim.URL.String())
	if *watchStdin {
		_, _ = io.Copy(io.Discard, os.Stdin)
		return
	}
	select {}
}
