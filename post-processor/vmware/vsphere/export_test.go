package vsphere

// Digest12 is digest12, for the tests of package vsphere_test that name the
// uploaded ISO.
var Digest12 = digest12
