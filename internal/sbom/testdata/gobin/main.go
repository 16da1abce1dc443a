// Command gobin is a Go binary with dependencies, built by the tests to
// check the build information Scan reads.
package main

import (
	"fmt"

	"github.com/spdx/tools-golang/spdx"
)

func main() { fmt.Println(spdx.Version) }
