package epoch

import "time"

// LinuxKit is 2017-04-18T16:30:00Z, the modification time linuxkit gives
// every file it creates (its defaultModTime), which we use for
// byte-for-byte reproducible output.
var LinuxKit = time.Date(2017, time.April, 18, 16, 30, 0, 0, time.UTC)
