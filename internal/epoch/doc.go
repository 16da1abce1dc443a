// Package epoch holds LinuxKit's fixed build time, the one definition the
// engine packages share for the timestamps of everything they generate
// (rootfs entries, ISO files and descriptors), so the same inputs give the
// same bytes.
//
// It owns that constant only. It imports nothing of this module, so any
// package may use it without an import cycle. Honouring SOURCE_DATE_EPOCH is
// the callers' job: they pass that time instead.
package epoch
