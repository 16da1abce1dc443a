//go:build !lktest

package main

import "github.com/hashicorp/packer-plugin-sdk/plugin"

// registerTestComponents registers nothing in release builds; the lktest build
// tag adds a post-processor that dumps its input artifact (see register_lktest.go).
func registerTestComponents(*plugin.Set) {}
