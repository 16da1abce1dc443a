package testrig

import "time"

// BootTimeout bounds one QEMU boot under TCG up to its marker; boots take 2–9 s on an idle
// machine, but the machine's two cores are shared by parallel test binaries, so the bound is
// generous. Tests pass it to BootAndWait so every package waits alike.
const BootTimeout = 3 * time.Minute
