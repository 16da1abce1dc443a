package desktop

// OnAppleSilicon reports whether the plugin runs on an Apple silicon Mac,
// where VMware Fusion runs only arm64 guests. It is a variable so tests, in
// this package and in the post-processor's, can play either kind of host.
var OnAppleSilicon = hostIsAppleSilicon
