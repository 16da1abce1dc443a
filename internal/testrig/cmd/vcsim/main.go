// Command vcsim runs govmomi's vCenter simulator (the VPX model, with the vAPI
// endpoints that content libraries need) over TLS on a loopback address, for
// end-to-end tests of the real packer binary.
//
// It prints one line, `GOVC_URL=https://user:pass@host:port/sdk`, once it
// listens; with -cert it also writes the server's certificate (PEM) so tests can
// exercise `ca_file`. It serves until killed, or with -stdin until its standard
// input closes, so a dying test never leaves it behind.
package main

import (
	"crypto/tls"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator" // content library and tagging endpoints
)

func main() {
	addr := flag.String("l", "127.0.0.1:0", "listen address (loopback only)")
	hosts := flag.Int("hosts", 3, "hosts in the cluster")
	certOut := flag.String("cert", "", "write the server certificate (PEM) to this file")
	watchStdin := flag.Bool("stdin", false, "exit when stdin reaches EOF")
	flag.Parse()

	model := simulator.VPX()
	model.ClusterHost = *hosts
	if err := model.Create(); err != nil {
		log.Fatalf("vcsim: create model: %v", err)
	}
	defer model.Remove()
	model.Service.Listen = &url.URL{Host: *addr}
	model.Service.TLS = new(tls.Config)
	model.Service.RegisterEndpoints = true
	server := model.Service.NewServer()
	defer server.Close()
	if *certOut != "" {
		cert := server.Certificate()
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		if err := os.WriteFile(*certOut, block, 0o644); err != nil {
			log.Fatalf("vcsim: write certificate: %v", err)
		}
	}
	fmt.Printf("GOVC_URL=%s\n", server.URL.String())
	if *watchStdin {
		_, _ = io.Copy(io.Discard, os.Stdin)
		return
	}
	select {}
}
