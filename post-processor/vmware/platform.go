package vmware

// onAppleSilicon reports whether the plugin runs on an Apple silicon Mac,
// where VMware Fusion runs only arm64 guests. It is a variable so tests can
// play either kind of host.
var onAppleSilicon = hostIsAppleSilicon
